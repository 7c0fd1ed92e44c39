import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseYamlConfig } from '../../config/index.js';
import { FleetError } from '../../errors/index.js';
import { createToolCatalog } from '../../tools/index.js';
import { FleetConfigSchema } from '../inventory/index.js';
import { loadRecipes, recipeFilePaths } from './loadRecipes.js';

const tools = createToolCatalog().tools;
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcpf-recipes-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Writes fleet.yaml (and extra files) into the temp dir and loads its recipes. */
async function load(fleet: string, files: Record<string, string> = {}) {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const file = join(dir, 'fleet.yaml');
  writeFileSync(file, fleet);
  const config = parseYamlConfig(FleetConfigSchema, fleet, file);
  return loadRecipes({ config, file, tools });
}

async function refusal(fleet: string, files: Record<string, string> = {}): Promise<string> {
  try {
    await load(fleet, files);
  } catch (error) {
    expect(error).toBeInstanceOf(FleetError);
    expect((error as FleetError).code).toBe('CONFIG_INVALID');
    return (error as FleetError).message;
  }
  throw new Error('expected the recipes to be refused');
}

const recipe = (name: string, step = '{ exec: [ls] }') => `  ${name}: { description: d, steps: [${step}] }`;

describe('loadRecipes', () => {
  it('joins fleet.yaml recipes with recipe files read relative to it', async () => {
    const recipes = await load(
      ['recipe_files: [a.yaml, sub/../b.yaml]', 'recipes:', recipe('one')].join('\n'),
      {
        'a.yaml': ['recipes:', recipe('two'), recipe('three')].join('\n'),
        'b.yaml': '{}\n',
      },
    );
    expect([...recipes.keys()]).toEqual(['one', 'two', 'three']);
    expect(recipes.get('one')?.source).toBe(join(dir, 'fleet.yaml'));
    expect(recipes.get('two')?.source).toBe(join(dir, 'a.yaml'));
    expect(recipeFilePaths({ recipe_files: ['x.yaml', '/abs/y.yaml'] }, '/etc/fleet/fleet.yaml')).toEqual([
      '/etc/fleet/x.yaml',
      '/abs/y.yaml',
    ]);
  });

  it('names both places of a recipe defined twice', async () => {
    const message = await refusal(['recipe_files: [a.yaml]', 'recipes:', recipe('one')].join('\n'), {
      'a.yaml': ['# comment', 'recipes:', recipe('zero'), recipe('one')].join('\n'),
    });
    expect(message).toContain(
      `${join(dir, 'a.yaml')}:4:3: recipes.one: recipe "one" is defined twice; first at ${join(dir, 'fleet.yaml')}:3:3`,
    );
  });

  it('reports problems of every file at once: missing files, schema problems, unknown tools and arguments', async () => {
    const message = await refusal(
      [
        'recipe_files: [a.yaml, missing.yaml, a.yaml, c.yaml]',
        'recipes:',
        recipe('one', '{ tool: servce }'),
      ].join('\n'),
      {
        'c.yaml': ['recipes:', '  bad: { description: d, steps: [{ exec: ["{nope}"] }] }'].join('\n'),
        'a.yaml': [
          'recipes:',
          '  args:',
          '    description: d',
          '    params: { unit: { type: string }, action: { type: string } }',
          '    steps:',
          '      - tool: service',
          '        args: { acton: restart, action: "{action}", unit: "{unit}" }',
          '      - tool: tmux',
          '        args: { action: explode, session: x }',
        ].join('\n'),
      },
    );
    const fleet = join(dir, 'fleet.yaml');
    const a = join(dir, 'a.yaml');
    expect(message).toMatch(/c\.yaml:2:\d+: recipes\.bad\.steps\.0\.exec\.0: \{nope\} names no parameter/);
    expect(message).toContain(
      `${fleet}:1:24: recipe_files.1: recipe file not found: ${join(dir, 'missing.yaml')}`,
    );
    expect(message).toContain(`${fleet}:1:38: recipe_files.2: ${a} is listed twice`);
    expect(message).toMatch(
      new RegExp(`${fleet}:3:\\d+: recipes\\.one\\.steps\\.0\\.tool: unknown agent tool "servce"`),
    );
    // The misspelt key is reported; the templated action is judged per call, not here.
    expect(message).toMatch(
      /a\.yaml:7:\d+: recipes\.args\.steps\.0\.args: service: Unrecognized key: "acton"/,
    );
    expect(message).not.toMatch(/steps\.0\.args\.action/);
    expect(message).toMatch(/a\.yaml:9:\d+: recipes\.args\.steps\.1\.args\.action: tmux: Invalid option/);
  });

  it('accepts a config without a file (built in) and without recipes', async () => {
    const config = FleetConfigSchema.parse({});
    expect((await loadRecipes({ config, file: null, tools })).size).toBe(0);
  });
});
