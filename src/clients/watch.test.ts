import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_LAUNCHER, type TempClients, tempClients } from '../../test/helpers/clientsHome.js';
import { clientCatalog, locationOf } from './catalog.js';
import { installHubEntry } from './install.js';
import { type ClientsWatch, startClientsWatch } from './watch.js';

/** Directory watchers the test fires by hand, so every event is deliberate. */
function fakeWatchers() {
  const watched = new Map<string, (filename: string | null) => void>();
  const closed: string[] = [];
  return {
    watchDir: (dir: string, onChange: (filename: string | null) => void) => {
      watched.set(dir, onChange);
      return { close: () => closed.push(dir) };
    },
    fire: (file: string) => watched.get(dirname(file))?.(basename(file)),
    watched,
    closed,
  };
}

let temp: TempClients;
let watch: ClientsWatch | undefined;
afterEach(async () => {
  await watch?.close();
  watch = undefined;
  temp?.cleanup();
});

async function setup() {
  temp = tempClients();
  const file = locationOf(clientCatalog(temp.ctx.host), 'cursor', 'user').file;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, '{\n  "mcpServers": {}\n}\n');
  await installHubEntry(temp.ctx, { client: 'cursor', name: 'fleet', spec: { transport: 'stdio' } });
  const installed = readFileSync(file, 'utf8');
  const breakIt = (n: number) => writeFileSync(file, installed.replace('"up"', `"down-${n}"`));
  return { file, installed, breakIt };
}

describe('startClientsWatch', () => {
  it('repairs a hand edit once, and recognises its own write', async () => {
    const { file, installed, breakIt } = await setup();
    const fake = fakeWatchers();
    const lines: string[] = [];
    watch = await startClientsWatch({
      ctx: temp.ctx,
      name: 'fleet',
      log: (l) => lines.push(l),
      verbose: true,
      watchDir: fake.watchDir,
      debounceMs: 1,
    });
    expect(watch.files).toContain(file);
    expect(lines).toEqual([`in sync cursor (user) ${file}`]);

    breakIt(1);
    fake.fire(file);
    await watch.idle();
    expect(lines.slice(1)).toEqual([`repaired cursor (user) ${file}: args`]);
    expect(readFileSync(file, 'utf8')).toBe(installed);

    // The event of its own write (and a duplicate of it) changes nothing.
    fake.fire(file);
    fake.fire(file);
    await watch.idle();
    expect(lines.slice(2)).toEqual([`own write ${file}`]);

    // Another file in the same directory is not a change of this one.
    fake.fire(`${dirname(file)}/argv.json`);
    await watch.idle();
    expect(lines).toHaveLength(3);

    await watch.close();
    expect(fake.closed).toContain(dirname(file));
  });

  it('gives up on a file something else keeps rewriting, instead of fighting it', async () => {
    const { file, breakIt } = await setup();
    const fake = fakeWatchers();
    const lines: string[] = [];
    watch = await startClientsWatch({
      ctx: temp.ctx,
      name: 'fleet',
      log: (l) => lines.push(l),
      watchDir: fake.watchDir,
      debounceMs: 1,
      maxRepairs: 2,
    });
    for (let n = 1; n <= 4; n++) {
      breakIt(n);
      fake.fire(file);
      await watch.idle();
    }
    expect(lines.filter((l) => l.startsWith('repaired'))).toHaveLength(2);
    expect(lines.at(-1)).toMatch(
      /^warning: .*mcp\.json was repaired 2 times in 60 s; something else rewrites it/,
    );
    expect(readFileSync(file, 'utf8')).toContain('"down-4"'); // no longer repaired
  });

  it('repairs drift found at start, and then sees the repaired file as its own write', async () => {
    const { file } = await setup();
    const fake = fakeWatchers();
    const lines: string[] = [];
    const moved = temp.with({ launcher: { command: '/new/node', args: TEST_LAUNCHER.args } });
    watch = await startClientsWatch({
      ctx: moved,
      name: 'fleet',
      log: (l) => lines.push(l),
      verbose: true,
      watchDir: fake.watchDir,
      debounceMs: 1,
    });
    expect(lines).toEqual([`repaired cursor (user) ${file}: command`]);
    fake.fire(file);
    await watch.idle();
    expect(lines[1]).toBe(`own write ${file}`);
  });
});

describe('startClientsWatch, fights and failures', () => {
  it('counts one repair per file per check when two scopes share the file', async () => {
    temp = tempClients();
    const file = locationOf(clientCatalog(temp.ctx.host), 'claude-code', 'user').file;
    writeFileSync(file, '{\n  "numStartups": 3\n}\n');
    for (const scope of ['user', 'local'] as const) {
      await installHubEntry(temp.ctx, {
        client: 'claude-code',
        scope,
        name: 'fleet',
        spec: { transport: 'stdio' },
      });
    }
    const installed = readFileSync(file, 'utf8');
    const fake = fakeWatchers();
    const lines: string[] = [];
    watch = await startClientsWatch({
      ctx: temp.ctx,
      name: 'fleet',
      log: (l) => lines.push(l),
      watchDir: fake.watchDir,
      debounceMs: 1,
      maxRepairs: 2,
    });
    writeFileSync(file, installed.replaceAll('"up"', '"down"'));
    fake.fire(file);
    await watch.idle();
    expect(lines).toEqual([
      `repaired claude-code (user) ${file}: args`,
      `repaired claude-code (local) ${file}: args`,
    ]);
    expect(readFileSync(file, 'utf8')).toBe(installed);
  });

  it('stops, with one warning, when a file keeps coming back to the same text however slowly', async () => {
    const { file, installed, breakIt } = await setup();
    const fake = fakeWatchers();
    const lines: string[] = [];
    let clock = 0;
    watch = await startClientsWatch({
      ctx: temp.ctx,
      name: 'fleet',
      log: (l) => lines.push(l),
      watchDir: fake.watchDir,
      debounceMs: 1,
      // An hour between writes: no time window catches this fight.
      now: () => (clock += 3_600_000),
    });
    breakIt(1);
    fake.fire(file);
    await watch.idle();
    expect(readFileSync(file, 'utf8')).toBe(installed);
    for (let round = 0; round < 3; round++) {
      breakIt(1); // the other program writes its own copy back, again and again
      fake.fire(file);
      await watch.idle();
    }
    expect(lines).toEqual([
      `repaired cursor (user) ${file}: args`,
      `warning: ${file} went back to a text watch had already repaired once; something else rewrites it, so it is no longer repaired until watch restarts`,
    ]);
    expect(readFileSync(file, 'utf8')).toContain('"down-1"');
  });

  it('reports an entry it does not manage once, and never touches it', async () => {
    temp = tempClients();
    const file = locationOf(clientCatalog(temp.ctx.host), 'cursor', 'user').file;
    mkdirSync(dirname(file), { recursive: true });
    const text = JSON.stringify({
      mcpServers: { fleet: { command: 'npx', args: ['-y', 'mcp-remote', 'https://h/mcp'] } },
    });
    writeFileSync(file, text);
    const fake = fakeWatchers();
    const lines: string[] = [];
    watch = await startClientsWatch({
      ctx: temp.ctx,
      name: 'fleet',
      log: (l) => lines.push(l),
      watchDir: fake.watchDir,
      debounceMs: 1,
    });
    fake.fire(file);
    await watch.idle();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^left alone cursor \(user\) .*: not managed by mcp-fleet/);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('closes the watchers it opened when a later one cannot be opened', async () => {
    temp = tempClients();
    for (const client of ['cursor', 'vscode'] as const) {
      const file = locationOf(clientCatalog(temp.ctx.host), client, 'user').file;
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, '{}');
    }
    const closed: string[] = [];
    let opened = 0;
    const watchDir = (dir: string) => {
      if (++opened === 2) throw new Error('ENOSPC: System limit for number of file watchers reached');
      return { close: () => closed.push(dir) };
    };
    await expect(
      startClientsWatch({ ctx: temp.ctx, name: 'fleet', log: () => {}, watchDir, debounceMs: 1 }),
    ).rejects.toThrow(/ENOSPC/);
    expect(opened).toBe(2);
    expect(closed).toHaveLength(1);
  });
});
