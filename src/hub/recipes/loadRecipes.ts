import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import { type ConfigProblem, formatProblems, parseYamlConfig } from '../../config/index.js';
import { FleetError } from '../../errors/index.js';
import type { AnyToolDef } from '../../tools/index.js';
import type { FleetConfig } from '../inventory/index.js';
import { locate } from './locate.js';
import { type Recipe, RecipeFileSchema } from './schema.js';
import { literalArgs, parseTemplate, placeholders, stringsIn } from './template.js';

/** A validated recipe and the file it was written in (for messages). */
export interface LoadedRecipe {
  name: string;
  recipe: Recipe;
  source: string;
}

/** Every recipe of a hub, by name: fleet.yaml's own first, then each recipe file's in order. */
export type RecipeSet = ReadonlyMap<string, LoadedRecipe>;

export interface RecipeSources {
  config: Pick<FleetConfig, 'recipes' | 'recipe_files'>;
  /** fleet.yaml's path; recipe files are relative to its directory. `null`: a built-in config. */
  file: string | null;
  /** The agent tools steps may name, with their input schemas. */
  tools: ReadonlyMap<string, AnyToolDef>;
  readText?: (path: string) => Promise<string>;
}

interface Found {
  source: string;
  path: (string | number)[];
  message: string;
  /** For a name defined twice: where it was defined first. */
  first?: LoadedRecipe;
}

const BUILT_IN = '(built-in)';

/** The recipe files fleet.yaml lists, as absolute paths (relative ones are read from its directory). */
export function recipeFilePaths(config: Pick<FleetConfig, 'recipe_files'>, file: string | null): string[] {
  const base = file ? dirname(file) : process.cwd();
  return config.recipe_files.map((p) => resolve(base, p));
}

/**
 * Reads the recipe files, joins them to fleet.yaml's recipes and checks what the schema alone
 * cannot: a name defined twice, a step naming a tool the agent does not have, and step
 * arguments that tool would refuse whatever the parameters are. Every problem, in every file,
 * is reported at once with file, line and column; any problem refuses the whole set.
 */
export async function loadRecipes(sources: RecipeSources): Promise<RecipeSet> {
  const readText = sources.readText ?? ((path: string) => readFile(path, 'utf8'));
  const home = sources.file ?? BUILT_IN;
  const located: ConfigProblem[] = [];
  const found: Found[] = [];
  const texts = new Map<string, string>();
  const recipes = new Map<string, LoadedRecipe>();

  const add = (name: string, recipe: Recipe, source: string) => {
    const first = recipes.get(name);
    if (first) {
      found.push({ source, path: ['recipes', name], message: `recipe "${name}" is defined twice`, first });
    } else recipes.set(name, { name, recipe, source });
  };
  for (const [name, recipe] of Object.entries(sources.config.recipes)) add(name, recipe, home);

  const seen = new Set<string>();
  for (const [index, path] of recipeFilePaths(sources.config, sources.file).entries()) {
    if (seen.has(path)) {
      found.push({ source: home, path: ['recipe_files', index], message: `${path} is listed twice` });
      continue;
    }
    seen.add(path);
    let text: string;
    try {
      text = await readText(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'recipe file not found' : `cannot read recipe file (${code ?? error})`;
      found.push({ source: home, path: ['recipe_files', index], message: `${why}: ${path}` });
      continue;
    }
    texts.set(path, text);
    try {
      const parsed = parseYamlConfig(RecipeFileSchema, text, path);
      for (const [name, recipe] of Object.entries(parsed.recipes)) add(name, recipe, path);
    } catch (error) {
      const problems =
        error instanceof FleetError ? (error.data.problems as ConfigProblem[] | undefined) : undefined;
      if (!problems) throw error;
      located.push(...problems);
    }
  }

  for (const { name, recipe, source } of recipes.values())
    found.push(...toolProblems(name, recipe, source, sources.tools));

  if (found.length === 0 && located.length === 0) return recipes;
  // fleet.yaml was read by the inventory; it is read again only to say where a problem is.
  const sourcesToShow = new Set(found.flatMap((f) => [f.source, ...(f.first ? [f.first.source] : [])]));
  for (const source of sourcesToShow) {
    if (source !== BUILT_IN && !texts.has(source)) texts.set(source, await readText(source).catch(() => ''));
  }
  const position = (source: string, path: (string | number)[]) => locate(texts.get(source) ?? '', path);
  for (const f of found) {
    const where = position(f.source, f.path);
    let message = f.message;
    if (f.first) {
      const at = position(f.first.source, ['recipes', f.first.name]);
      message += `; first at ${f.first.source}:${at.line}:${at.column}`;
    }
    located.push({ file: f.source, ...where, field: f.path.join('.'), message });
  }
  throw new FleetError('CONFIG_INVALID', `invalid recipes\n${formatProblems(located)}`, {
    problems: located,
  });
}

/** Unknown tools and arguments the tool refuses; arguments holding a placeholder are judged per call. */
function toolProblems(
  name: string,
  recipe: Recipe,
  source: string,
  tools: ReadonlyMap<string, AnyToolDef>,
): Found[] {
  const problems: Found[] = [];
  recipe.steps.forEach((step, i) => {
    if (step.tool === undefined) return;
    const at = ['recipes', name, 'steps', i];
    const def = tools.get(step.tool);
    if (!def) {
      const known = [...tools.keys()].filter((t) => t !== 'exec').join(', ');
      problems.push({
        source,
        path: [...at, 'tool'],
        message: `unknown agent tool "${step.tool}" (known: ${known})`,
      });
      return;
    }
    const args = step.args ?? {};
    const templated = stringsIn(args)
      .filter(({ text }) => {
        const parsed = parseTemplate(text);
        return 'template' in parsed && placeholders(parsed.template).length > 0;
      })
      .map(({ path }) => path.join('.'));
    const input: z.ZodType = def.input;
    const parsed = input.safeParse(literalArgs(args));
    if (parsed.success) return;
    for (const issue of parsed.error.issues) {
      const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
      const key = path.join('.');
      if (templated.some((t) => key === t || key.startsWith(`${t}.`))) continue;
      problems.push({ source, path: [...at, 'args', ...path], message: `${step.tool}: ${issue.message}` });
    }
  });
  return problems;
}
