import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, tempDir } from '../helpers/agentProcess.js';
import { removeDir } from '../helpers/toolAssertions.js';

const home = tempDir('mcpf-pipe-');
const env = {
  ...cleanEnv(),
  HOME: home,
  XDG_CONFIG_HOME: join(home, '.config'),
  XDG_STATE_HOME: join(home, '.local', 'state'),
};

/**
 * Runs `mcp-fleet <args> | <reader>` through /bin/sh; the shell reports mcp-fleet's own exit
 * status on stderr, after whatever mcp-fleet wrote there.
 */
function piped(args: string, reader: string): Promise<{ code: number | null; stderr: string }> {
  const script = `{ "$0" "$1" ${args}; echo "mcp-fleet exit $?" >&2; } | ${reader}`;
  const child = spawn('/bin/sh', ['-c', script, process.execPath, BIN], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mcp-fleet ${args} | ${reader} did not end: ${stderr}`));
    }, 15_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('a reader that stops early', () => {
  afterAll(() => removeDir(home));

  it('--help into head -c 1: a clean exit and no stack', async () => {
    const run = await piped('--help', 'head -c 1');
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('mcp-fleet exit 0\n');
  });

  it('output into a reader that is already gone (EPIPE): a clean exit and no stack', async () => {
    const run = await piped('config show', 'true');
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('mcp-fleet exit 0\n');
  });
});
