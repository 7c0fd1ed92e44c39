import { describe, expect, it } from 'vitest';
import { FleetError } from '../../errors/index.js';
import { createToolCatalog } from '../../tools/index.js';
import type { LoadedRecipe } from './loadRecipes.js';
import { createRecipeTools } from './recipeTools.js';
import { RecipeSchema } from './schema.js';

const tools = createToolCatalog().tools;
const set = (recipes: Record<string, unknown>) =>
  new Map(
    Object.entries(recipes).map(([name, r]): [string, LoadedRecipe] => [
      name,
      { name, recipe: RecipeSchema.parse(r), source: 'fleet.yaml' },
    ]),
  );

const defs = createRecipeTools(
  set({
    migrate: {
      description: 'Apply migrations',
      targets: 'tag:django',
      params: { app_dir: { type: 'string', pattern: '^/srv/[a-z]+$', default: '/srv/app' } },
      steps: [
        { exec: ['{app_dir}/venv/bin/python', 'manage.py', 'migrate'], timeout_s: 300 },
        { exec: ['true'] },
      ],
    },
    look: {
      description: 'Look at a unit and a session',
      params: { unit: { type: 'string' } },
      steps: [
        { tool: 'service', args: { action: 'status', unit: '{unit}' } },
        { tool: 'tmux', args: { action: 'capture', session: 'dev' } },
        { tool: 'system_status' },
      ],
    },
    act: {
      description: 'Status or restart, as asked',
      params: { action: { type: 'string', enum: ['status', 'restart'] }, unit: { type: 'string' } },
      steps: [{ tool: 'service', args: { action: '{action}', unit: '{unit}' } }],
    },
  }),
  tools,
);

describe('createRecipeTools', () => {
  it('lists each recipe as recipe_<name> with its parameters and the fleet result shape', () => {
    expect([...defs.keys()]).toEqual(['recipe_migrate', 'recipe_look', 'recipe_act']);
    const wire = defs.get('recipe_migrate')?.wire;
    expect(wire?.description).toMatch(/^Apply migrations\n/);
    expect(wire?.description).toContain('1. exec {app_dir}/venv/bin/python manage.py migrate');
    expect(wire?.inputSchema).toMatchObject({
      type: 'object',
      properties: { targets: { type: 'string', default: 'tag:django' }, app_dir: { type: 'string' } },
      additionalProperties: false,
    });
    expect(wire?.inputSchema.required).toBeUndefined();
    expect(defs.get('recipe_look')?.wire.inputSchema.required).toEqual(['targets', 'unit']);
    const output = wire?.outputSchema as unknown as { required: string[] };
    expect(output.required).toEqual(['summary', 'tool', 'targets', 'results']);
  });

  it('is read-only only when every step reads, whatever the parameters', () => {
    expect(defs.get('recipe_migrate')).toMatchObject({
      readOnly: false,
      wire: { annotations: { readOnlyHint: false, destructiveHint: true } },
    });
    expect(defs.get('recipe_look')).toMatchObject({
      readOnly: true,
      wire: { annotations: { readOnlyHint: true, destructiveHint: false } },
    });
    // The action is a parameter: not listed as read-only, but a status call is judged as one.
    expect(defs.get('recipe_act')?.readOnly).toBe(false);
    const act = defs.get('recipe_act');
    expect(act?.plan({ targets: 'all', action: 'status', unit: 'web' }).readOnly).toBe(true);
    expect(act?.plan({ targets: 'all', action: 'restart', unit: 'web' }).readOnly).toBe(false);
  });

  it('plans a call: targets, the budget each step asks for, and refusals before anything runs', () => {
    const plan = defs.get('recipe_migrate')?.plan({});
    expect(plan).toMatchObject({ targets: 'tag:django', readOnly: false });
    expect(plan && 'work' in plan ? plan.work.requestedMs : undefined).toEqual([300_000, 0]);
    expect(() => defs.get('recipe_migrate')?.plan({ app_dir: '--upload-pack=x' })).toThrow(FleetError);
    expect(() => defs.get('recipe_migrate')?.plan({ app_dir: '/srv/app', extra: 1 })).toThrow(/extra/);
  });
});
