import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseYamlConfig } from '../../config/index.js';
import { createToolCatalog } from '../../tools/index.js';
import { FleetConfigSchema } from '../inventory/index.js';
import { loadRecipes } from './loadRecipes.js';
import { createRecipeTools } from './recipeTools.js';
import { RecipeFileSchema } from './schema.js';

const DEPLOY = resolve(import.meta.dirname, '../../../deploy');
const EXAMPLE = resolve(DEPLOY, 'recipes.example.yaml');

describe('deploy/recipes.example.yaml', () => {
  it('is a valid recipe file', () => {
    const file = parseYamlConfig(RecipeFileSchema, readFileSync(EXAMPLE, 'utf8'), EXAMPLE);
    expect(Object.keys(file.recipes)).toEqual([
      'django-migrate',
      'django-collectstatic',
      'django-devserver',
      'django-restart',
      'django-deploy',
      'git-deploy',
    ]);
  });

  it('loads as recipe_files of a fleet.yaml beside it, checked against the agent tools', async () => {
    const tools = createToolCatalog().tools;
    const config = parseYamlConfig(FleetConfigSchema, 'recipe_files: [recipes.example.yaml]\n', 'fleet.yaml');
    const recipes = await loadRecipes({ config, file: resolve(DEPLOY, 'fleet.yaml'), tools });
    const defs = createRecipeTools(recipes, tools);
    expect(defs.get('recipe_git-deploy')?.wire.inputSchema.required).toEqual(['targets', 'app_dir', 'unit']);
    const plan = defs
      .get('recipe_git-deploy')
      ?.plan({ targets: 'web-1', app_dir: '/srv/shop', unit: 'shop' });
    const steps = plan && 'work' in plan ? plan.work.requestedMs : [];
    expect(steps).toEqual([120_000, 0]);
    expect(defs.get('recipe_django-restart')?.plan({ targets: 'all', user: true }).targets).toBe('all');
  });
});
