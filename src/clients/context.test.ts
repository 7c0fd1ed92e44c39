import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type TempClients, tempClients } from '../../test/helpers/clientsHome.js';
import { clientCatalog, locationOf } from './catalog.js';
import { writeConfigFile } from './configFile.js';
import { candidateLocations, editConfigFile, foundClients } from './context.js';

let temp: TempClients;
afterEach(() => temp?.cleanup());

describe('editConfigFile', () => {
  it('starts again from a fresh read when the client rewrites its file mid-edit', async () => {
    temp = tempClients();
    const location = locationOf(clientCatalog(temp.ctx.host), 'cursor', 'user');
    mkdirSync(dirname(location.file), { recursive: true });
    writeFileSync(location.file, '{"v": 1}');
    const seen: string[] = [];
    await editConfigFile(temp.ctx, location, async (state) => {
      seen.push(state.text);
      if (seen.length === 1) writeFileSync(location.file, '{"v": 2}'); // the client, meanwhile
      await writeConfigFile(state, state.text.replace('}', ', "fleet": true}'));
    });
    expect(seen).toEqual(['{"v": 1}', '{"v": 2}']);
    expect(readFileSync(location.file, 'utf8')).toBe('{"v": 2, "fleet": true}');
  });

  it('gives up with one CONFIG_INVALID line when the file never holds still', async () => {
    temp = tempClients();
    const location = locationOf(clientCatalog(temp.ctx.host), 'cursor', 'user');
    mkdirSync(dirname(location.file), { recursive: true });
    writeFileSync(location.file, '{}');
    let n = 0;
    const edit = editConfigFile(temp.ctx, location, async (state) => {
      writeFileSync(location.file, `{"v": ${++n}}`);
      await writeConfigFile(state, '{"mine": true}');
    });
    await expect(edit).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/keeps changing/),
    });
    expect(n).toBe(3);
  });
});

describe('foundClients', () => {
  it("finds a client by its directory or by a config file, a project's included", async () => {
    temp = tempClients();
    expect(await foundClients(temp.ctx.host)).toEqual([]);
    mkdirSync(`${temp.home}/.codeium/windsurf`, { recursive: true });
    mkdirSync(`${temp.ctx.host.cwd}`, { recursive: true });
    writeFileSync(`${temp.ctx.host.cwd}/.mcp.json`, '{}');
    expect((await foundClients(temp.ctx.host)).map((c) => c.id)).toEqual(['claude-code', 'windsurf']);
    expect((await candidateLocations(temp.ctx.host)).map((l) => `${l.client}/${l.scope}`)).toEqual([
      'claude-code/user',
      'claude-code/project',
      'claude-code/local',
      'windsurf/user',
    ]);
  });
});
