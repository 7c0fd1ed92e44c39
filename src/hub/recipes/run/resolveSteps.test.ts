import { describe, expect, it } from 'vitest';
import { FleetError } from '../../../errors/index.js';
import { createToolCatalog } from '../../../tools/index.js';
import { type Recipe, RecipeSchema } from '../schema.js';
import { resolveSteps, stepLabel } from './resolveSteps.js';

const tools = createToolCatalog().tools;
const recipe: Recipe = RecipeSchema.parse({
  description: 'd',
  params: {
    dir: { type: 'string' },
    msg: { type: 'string' },
    unit: { type: 'string', min_length: 0 },
    fake: { type: 'boolean' },
    lines: { type: 'integer' },
  },
  steps: [
    {
      exec: ['{dir}/bin/tool', '--message={msg}', '{msg}', '{{literal}}'],
      cwd: '{dir}',
      env: { MSG: '{msg}' },
      timeout_s: 5,
    },
    { exec: ['echo', 'faked'], if: 'fake' },
    { exec: ['echo', 'real'], if: '!fake' },
    { tool: 'tmux', args: { action: 'capture', session: 'app-{unit}', lines: '{lines}' } },
    { tool: 'service', args: { action: 'status', unit: '{unit}' }, if: 'fake' },
  ],
});

describe('resolveSteps', () => {
  it('keeps every value one argv element, whatever it holds', () => {
    const values = { dir: '/srv/app', msg: 'a; touch /tmp/x $(id) "q"', unit: 'web', fake: false, lines: 7 };
    const [first, faked, real, capture, status] = resolveSteps(recipe, values, tools);
    expect(first).toMatchObject({
      step: 1,
      tool: 'exec',
      args: {
        argv: [
          '/srv/app/bin/tool',
          '--message=a; touch /tmp/x $(id) "q"',
          'a; touch /tmp/x $(id) "q"',
          '{literal}',
        ],
        cwd: '/srv/app',
        env: { MSG: 'a; touch /tmp/x $(id) "q"' },
        timeout_s: 5,
      },
    });
    expect(first?.skip).toBeUndefined();
    expect(faked).toMatchObject({ step: 2, skip: 'if fake: fake is false' });
    expect(real?.skip).toBeUndefined();
    expect(capture).toMatchObject({
      tool: 'tmux',
      args: { action: 'capture', session: 'app-web', lines: 7 },
    });
    expect(status?.skip).toBe('if fake: fake is false');
  });

  it('refuses, before anything runs, filled-in arguments the tool would refuse', () => {
    const values = { dir: '/srv/app', msg: 'm', unit: '', fake: true, lines: 7 };
    try {
      resolveSteps(recipe, values, tools);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(FleetError);
      expect((error as FleetError).code).toBe('INVALID_ARGUMENT');
      expect((error as FleetError).message).toMatch(/^step 5 \(service\): unit: /);
    }
    // The same values pass when the step is switched off.
    expect(resolveSteps(recipe, { ...values, fake: false, unit: 'x' }, tools)).toHaveLength(5);
  });

  it('labels steps readably, quoting arguments with spaces', () => {
    expect(stepLabel('exec', { argv: ['git', '-C', '/srv/my app', 'pull'] })).toBe(
      'exec git -C "/srv/my app" pull',
    );
    expect(stepLabel('service', { action: 'restart', unit: 'web', user: true })).toBe(
      'service action=restart unit=web user=true',
    );
    expect(stepLabel('exec', { argv: ['x'.repeat(300)] })).toHaveLength(200);
  });
});
