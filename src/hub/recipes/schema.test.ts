import { describe, expect, it } from 'vitest';
import { parseYamlConfig } from '../../config/index.js';
import { FleetError } from '../../errors/index.js';
import { FleetConfigSchema } from '../inventory/index.js';
import { RecipeFileSchema } from './schema.js';

function problems(
  text: string,
  schema: typeof RecipeFileSchema | typeof FleetConfigSchema = RecipeFileSchema,
) {
  try {
    parseYamlConfig(schema, text, 'r.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(FleetError);
    expect((error as FleetError).code).toBe('CONFIG_INVALID');
    return (error as FleetError).message;
  }
  throw new Error('expected the config to be refused');
}

describe('recipe schema', () => {
  it('accepts the example of the design, in fleet.yaml', () => {
    const text = [
      'recipe_files: [more.yaml]',
      'recipes:',
      '  django-migrate:',
      '    description: Apply Django database migrations',
      '    targets: "tag:django"',
      '    params:',
      '      app_dir: { type: string, pattern: "^/srv/[A-Za-z0-9_.-]+$", default: /srv/app }',
      '      fake: { type: boolean, default: false }',
      '    steps:',
      '      - exec: ["{app_dir}/venv/bin/python", "manage.py", "migrate", "--noinput"]',
      '        cwd: "{app_dir}"',
      '        timeout_s: 300',
      '      - exec: ["echo", "{{literal}}"]',
      '        if: fake',
      '      - tool: service',
      '        args: { action: restart, unit: "app" }',
    ].join('\n');
    const config = parseYamlConfig(FleetConfigSchema, text, 'fleet.yaml');
    expect(config.recipe_files).toEqual(['more.yaml']);
    expect(config.recipes['django-migrate']?.steps).toHaveLength(3);
    expect(config.recipes['django-migrate']?.params.app_dir).toMatchObject({ allow_leading_dash: false });
  });

  it('reports an unknown placeholder where it is written', () => {
    const text = [
      'recipes:',
      '  r:',
      '    description: d',
      '    params: { dir: { type: string } }',
      '    steps:',
      '      - exec: [ls, "{dri}"]',
      '        cwd: "$' + '{HOME}"',
      '        env: { X: "{ dir }" }',
    ].join('\n');
    const message = problems(text);
    expect(message).toMatch(
      /r\.yaml:6:\d+: recipes\.r\.steps\.0\.exec\.1: \{dri\} names no parameter of this recipe/,
    );
    expect(message).toMatch(/r\.yaml:7:\d+: recipes\.r\.steps\.0\.cwd: \{HOME\} names no parameter/);
    expect(message).toMatch(/r\.yaml:8:\d+: recipes\.r\.steps\.0\.env\.X: stray "\{"/);
  });

  it('never lets a parameter into a shell string, nor exec run as a tool', () => {
    const text = [
      'recipes:',
      '  r:',
      '    description: d',
      '    params: { port: { type: integer } }',
      '    steps:',
      '      - tool: tmux',
      '        args: { action: ensure, session: s, command: "serve --port {port}" }',
      '      - tool: exec',
      '        args: { command: "ls" }',
    ].join('\n');
    const message = problems(text);
    expect(message).toMatch(/steps\.0\.args\.command: tmux command is run by a shell/);
    expect(message).toMatch(/steps\.1\.tool: run commands with an exec: step/);
  });

  it('checks conditions against the declared parameters', () => {
    const text = [
      'recipes:',
      '  r:',
      '    description: d',
      '    params: { name: { type: string }, on: { type: boolean } }',
      '    steps:',
      '      - { exec: [ls], if: name }',
      '      - { exec: [ls], if: missing }',
      '      - { exec: [ls], if: "!on" }',
      '      - { exec: [ls], if: "on or off" }',
    ].join('\n');
    const message = problems(text);
    expect(message).toMatch(/steps\.0\.if: if: "name" is not a boolean parameter/);
    expect(message).toMatch(/steps\.1\.if: if: "missing" is not a boolean parameter/);
    expect(message).not.toMatch(/steps\.2/);
    expect(message).toMatch(/steps\.3\.if: if: a boolean parameter name, or !name/);
  });

  it('checks step shapes, parameter declarations and defaults', () => {
    const text = [
      'recipes:',
      '  r:',
      '    description: d',
      '    params:',
      '      name: { type: string, pattern: "^[a-z]+$", default: "Bad" }',
      '      n: { type: integer, minimum: 5, maximum: 1 }',
      '      targets: { type: string }',
      '      dash: { type: string, default: "-x" }',
      '      mode: { type: string, enum: [a, b], pattern: "^a$" }',
      '      re: { type: string, pattern: "([" }',
      '      t: { type: float }',
      '    steps:',
      '      - exec: [ls]',
      '      - { exec: [ls], tool: service }',
      '      - { tool: service, cwd: /, args: { action: status, unit: x } }',
    ].join('\n');
    const message = problems(text);
    expect(message).toMatch(/params\.name\.default: the default must match the pattern/);
    expect(message).toMatch(/params\.n\.minimum: minimum is above maximum/);
    expect(message).toMatch(/params\.targets: "targets" is reserved/);
    expect(message).toMatch(/params\.dash\.default: the default may not start with "-"/);
    expect(message).toMatch(/params\.mode\.enum: enum lists every allowed value/);
    expect(message).toMatch(/params\.re\.pattern: pattern is not a valid regular expression/);
    expect(message).toMatch(/params\.t\.type/);
    expect(message).toMatch(/steps\.1: a step needs exactly one of exec or tool/);
    expect(message).toMatch(/steps\.2\.cwd: cwd belongs to exec steps/);
  });

  it('keeps recipe names to what a tool name allows, and a recipe file to recipes only', () => {
    const text = [
      'recipes:',
      '  "bad name": { description: d, steps: [{ exec: [ls] }] }',
      'devices: {}',
    ].join('\n');
    const message = problems(text);
    expect(message).toMatch(/recipe name: a letter or digit/);
    expect(message).toMatch(/Unrecognized key: "devices"/);
  });
});
