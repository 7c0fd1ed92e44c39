import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, tempDir } from '../helpers/agentProcess.js';
import { clientsHomeEnv } from '../helpers/clientsHome.js';
import { removeDir, waitFor } from '../helpers/toolAssertions.js';

/**
 * `mcp-fleet clients watch` as a person runs it: the built binary with HOME in a temp dir,
 * a client file edited by hand, repaired once, and the watcher's own write not taken for a
 * change (it says so with --verbose, and does not write again).
 */

function runToExit(args: string[], home: string): Promise<number | null> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: clientsHomeEnv(home),
    cwd: home,
    stdio: 'ignore',
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mcp-fleet ${args.join(' ')} did not exit`));
    }, 20_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

let home: string | undefined;
let watcher: ChildProcess | undefined;
afterEach(async () => {
  if (watcher && watcher.exitCode === null && watcher.signalCode === null) {
    const exited = new Promise<void>((r) => watcher?.once('exit', () => r()));
    watcher.kill('SIGKILL');
    await exited;
  }
  watcher = undefined;
  removeDir(home);
  home = undefined;
});

const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('mcp-fleet clients watch (built binary)', () => {
  it('repairs a hand edit once, ignores its own write, and stops on SIGTERM', async () => {
    home = realpathSync(tempDir('mcpf-watch-'));
    const file = join(home, '.cursor', 'mcp.json');
    mkdirSync(join(home, '.cursor'));
    writeFileSync(file, '{\n  "mcpServers": {\n    "other": { "command": "x" }\n  }\n}\n');
    expect(await runToExit(['clients', 'install', 'cursor'], home)).toBe(0);
    const installed = readFileSync(file, 'utf8');

    const child = spawn(process.execPath, [BIN, 'clients', 'watch', '--verbose'], {
      env: clientsHomeEnv(home),
      cwd: home,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    watcher = child;
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    await waitFor(
      'the watcher to start',
      () => out.includes('watching 1 client file(s) for "fleet"'),
      15_000,
    );
    expect(out).toContain(`in sync cursor (user) ${file}`);

    // Two hand edits, one after the other: each is repaired exactly once.
    for (const [n, broken] of [
      [1, installed.replace('"up"', '"down"')],
      [2, installed.replace('"--stdio"', '"--http"')],
    ] as const) {
      writeFileSync(file, broken);
      await waitFor(`repair ${n}`, () => count(out, `repaired cursor (user) ${file}: args`) === n, 10_000);
      await waitFor(`the event of its own write ${n}`, () => count(out, `own write ${file}`) >= n, 10_000);
      expect(readFileSync(file, 'utf8')).toBe(installed);
      expect(count(out, 'repaired')).toBe(n);
    }
    expect(readFileSync(`${file}.mcp-fleet.bak`, 'utf8')).toContain('"other"'); // the original, from install

    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(count(out, 'repaired')).toBe(2);
  });
});
