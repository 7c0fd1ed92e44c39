import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSecretFiles, unwrapSecretFiles, wrapWithSecretFiles } from './secretFiles.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcpf-secret-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('secret files', () => {
  it('starts the server with each secret read from its file, kept out of the arguments', () => {
    const odd = join(dir, `it's a "key" $(touch x).txt`);
    writeFileSync(odd, 'sk-one\n');
    writeFileSync(join(dir, 'two'), 'two words');
    const files = parseSecretFiles([`API_KEY=${odd}`, 'OTHER_TOKEN=two'], dir);
    const run = wrapWithSecretFiles(
      process.execPath,
      [
        '-e',
        'console.log(JSON.stringify([process.env.API_KEY, process.env.OTHER_TOKEN, process.argv.slice(1)]))',
        'arg one',
      ],
      files,
    );
    expect(run.args.join(' ')).not.toContain('sk-one');
    const result = spawnSync(run.command, run.args, {
      encoding: 'utf8',
      cwd: dir,
      env: { PATH: process.env.PATH },
    });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual(['sk-one', 'two words', ['arg one']]);
    expect(unwrapSecretFiles(run.command, run.args)).toEqual({
      command: process.execPath,
      args: ['-e', expect.any(String), 'arg one'],
      secrets: ['API_KEY', 'OTHER_TOKEN'],
    });
  });

  it('fails the start when a file is missing rather than running without the secret', () => {
    const run = wrapWithSecretFiles('echo', ['started'], [{ name: 'API_KEY', path: join(dir, 'missing') }]);
    const result = spawnSync(run.command, run.args, { encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(result.stdout).toBe('');
  });

  it('makes paths absolute, expands ~/, and refuses what is not NAME=PATH', () => {
    expect(parseSecretFiles(['A=k', 'B=~/s/k', 'C=/abs'], '/work', '/home/u')).toEqual([
      { name: 'A', path: '/work/k' },
      { name: 'B', path: '/home/u/s/k' },
      { name: 'C', path: '/abs' },
    ]);
    for (const bad of ['A', '=x', 'A=', 'A-B=x', 'A;rm=x']) {
      expect(() => parseSecretFiles([bad])).toThrow(/--secret-file wants NAME=PATH/);
    }
  });

  it('leaves a command without secrets alone, and does not mistake it for a wrapper', () => {
    expect(wrapWithSecretFiles('npx', ['-y', 'x'], [])).toEqual({ command: 'npx', args: ['-y', 'x'] });
    expect(unwrapSecretFiles('sh', ['-c', 'echo hi'])).toBeNull();
  });
});
