import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FleetError } from '../../errors/index.js';
import { parseRecipeInput, recipeInputSchema, unsafeValue } from './params.js';
import { type Recipe, RecipeSchema } from './schema.js';

const recipe = (text: Record<string, unknown>): Recipe =>
  RecipeSchema.parse({ description: 'd', steps: [{ exec: ['true'] }], ...text });

const django = recipe({
  targets: 'tag:django',
  params: {
    app_dir: {
      type: 'string',
      description: 'project directory',
      pattern: '^/srv/[A-Za-z0-9_.-]+$',
      default: '/srv/app',
    },
    settings: { type: 'string', enum: ['prod', 'staging'] },
    workers: { type: 'integer', minimum: 1, maximum: 16, default: 2 },
    fake: { type: 'boolean', default: false },
    ref: { type: 'string' },
    flag: { type: 'string', allow_leading_dash: true },
  },
});

function refusal(raw: unknown, schema = recipeInputSchema(django)): string {
  try {
    parseRecipeInput(schema, raw);
  } catch (error) {
    expect(error).toBeInstanceOf(FleetError);
    expect((error as FleetError).code).toBe('INVALID_ARGUMENT');
    return (error as FleetError).message;
  }
  throw new Error('expected a refusal');
}

describe('recipe input', () => {
  it('is a JSON Schema of the params plus targets, defaults optional', () => {
    const json = z.toJSONSchema(recipeInputSchema(django), { io: 'input' }) as {
      properties: Record<string, Record<string, unknown>>;
      required: string[];
      additionalProperties: boolean;
    };
    expect(Object.keys(json.properties)).toEqual([
      'targets',
      'app_dir',
      'settings',
      'workers',
      'fake',
      'ref',
      'flag',
    ]);
    expect(json.required.sort()).toEqual(['flag', 'ref', 'settings']);
    expect(json.additionalProperties).toBe(false);
    expect(json.properties.targets?.default).toBe('tag:django');
    expect(json.properties.app_dir).toMatchObject({
      type: 'string',
      description: 'project directory',
      default: '/srv/app',
    });
    expect(new RegExp(String(json.properties.app_dir?.pattern), 'u').test('/srv/app')).toBe(true);
    expect(json.properties.settings).toMatchObject({ type: 'string', enum: ['prod', 'staging'] });
    expect(json.properties.workers).toMatchObject({ type: 'integer', minimum: 1, maximum: 16, default: 2 });
    expect(json.properties.fake).toMatchObject({ type: 'boolean', default: false });
  });

  it('requires targets when the recipe has no default', () => {
    const bare = recipe({ params: {} });
    expect(refusal({}, recipeInputSchema(bare))).toMatch(/targets/);
    expect(parseRecipeInput(recipeInputSchema(bare), { targets: 'pi-1' })).toEqual({
      targets: 'pi-1',
      values: {},
    });
  });

  it('fills defaults and returns typed values', () => {
    const parsed = parseRecipeInput(recipeInputSchema(django), {
      settings: 'prod',
      ref: 'main',
      flag: '--x',
    });
    expect(parsed).toEqual({
      targets: 'tag:django',
      values: { app_dir: '/srv/app', settings: 'prod', workers: 2, fake: false, ref: 'main', flag: '--x' },
    });
  });

  it('refuses each bad value naming its parameter, all at once', () => {
    const message = refusal({
      targets: 'all',
      app_dir: '/etc',
      settings: 'dev',
      workers: 17,
      fake: 'yes',
      ref: 'a',
      flag: 'b',
      extra: 1,
    });
    expect(message).toMatch(/app_dir: must match the pattern/);
    expect(message).toMatch(/settings: /);
    expect(message).toMatch(/workers: Too big/);
    expect(message).toMatch(/fake: /);
    expect(message).toMatch(/extra/);
  });

  it('refuses a leading dash (argument injection) unless the parameter allows it', () => {
    expect(refusal({ settings: 'prod', ref: '--upload-pack=touch /tmp/pwned', flag: 'x' })).toMatch(
      /ref: may not start with "-"/,
    );
    const negative = recipe({ params: { n: { type: 'integer' } } });
    expect(refusal({ targets: 'all', n: -5 }, recipeInputSchema(negative))).toMatch(
      /n: may not start with "-"/,
    );
    expect(
      parseRecipeInput(recipeInputSchema(django), { settings: 'prod', ref: 'x', flag: '-v' }).values.flag,
    ).toBe('-v');
  });

  it('refuses control characters, even where a leading dash is allowed', () => {
    for (const bad of [
      'a\nb',
      'a\u0000b',
      'tab\there',
      'esc\u001b[2J',
      'del\u007f',
      'c1\u0085',
      'ls\u2028x',
    ]) {
      expect(refusal({ settings: 'prod', ref: 'x', flag: bad })).toMatch(
        /flag: may not contain control characters/,
      );
    }
    expect(unsafeValue({ type: 'string', allow_leading_dash: false }, 'a; touch /tmp/x')).toBeUndefined();
  });

  it('caps strings without max_length at 4096 characters', () => {
    expect(refusal({ settings: 'prod', ref: 'x'.repeat(4097), flag: 'x' })).toMatch(/ref: Too big/);
  });
});
