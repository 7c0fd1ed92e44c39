import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSshConfig, resolveSshConfig } from './sshConfigFile.js';

const env = { home: '/home/alice', localUser: 'alice' };
const sample = readFileSync(new URL('./samples/ssh_config', import.meta.url), 'utf8');

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcpf-sshconfig-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('resolveSshConfig', () => {
  it('expands HostName %h and collects every IdentityFile in order; the first Port/User wins', () => {
    expect(resolveSshConfig(sample, 'web1', env)).toEqual({
      hostName: 'web1.example.com',
      port: 2200,
      user: 'ops',
      identityFiles: [
        '/home/alice/.ssh/id_web_web1.example.com',
        '/home/alice/.ssh/key with space',
        '/home/alice/.ssh/id_alice_ops_%',
      ],
      userKnownHostsFiles: ['/home/alice/.ssh/known_hosts'],
      proxyJump: 'edge',
    });
  });

  it('reads `key=value` and upper-case keywords, and expands every UserKnownHostsFile', () => {
    expect(resolveSshConfig(sample, 'db7', env)).toEqual({
      hostName: 'db.internal',
      port: 2222,
      user: 'ops',
      identityFiles: ['/home/alice/.ssh/id_alice_ops_%'],
      userKnownHostsFiles: ['/home/alice/.ssh/known_hosts_db', '/home/alice/.ssh/known_hosts_ops'],
      proxyJump: 'bastion',
    });
  });

  it('honours negated Host patterns and ProxyJump none', () => {
    const bastion = resolveSshConfig(sample, 'bastion', env);
    expect(bastion).toMatchObject({ hostName: '192.0.2.10', user: 'jump', port: 22 });
    expect(bastion.proxyJump).toBeUndefined();
    expect(bastion.identityFiles).toEqual(['/home/alice/.ssh/id_alice_jump_%']);
  });

  it('ignores Match blocks and Include', () => {
    expect(resolveSshConfig(sample, 'web1', env).user).toBe('ops');
    expect(resolveSshConfig('Include /etc/ssh/other\nUser root\n', 'x', env).user).toBe('root');
  });

  it('never runs a Match exec command', () => {
    const marker = join(dir, 'match-exec-ran');
    const text = `Match exec "touch ${marker}"\n  User pwned\nHost *\n  User ops\n`;
    expect(resolveSshConfig(text, 'web1', env).user).toBe('ops');
    expect(existsSync(marker)).toBe(false);
  });

  it('uses the local user for %r when no User is set, and the alias for %h without HostName', () => {
    const text = 'Host *\n  IdentityFile ~/k_%r@%h:%p_%n\n  UserKnownHostsFile none\n';
    expect(resolveSshConfig(text, 'web9', env)).toEqual({
      identityFiles: ['/home/alice/k_alice@web9:22_web9'],
      userKnownHostsFiles: [],
    });
  });

  it('returns an empty result for an empty file or a host nothing matches', () => {
    expect(resolveSshConfig('', 'web1', env)).toEqual({ identityFiles: [], userKnownHostsFiles: [] });
    expect(resolveSshConfig('Host other\n  Port 2\n', 'web1', env)).toEqual({
      identityFiles: [],
      userKnownHostsFiles: [],
    });
  });

  it('matches Host patterns like ssh -G does (`?` is exactly one character, case-sensitive)', () => {
    const text = [
      'Host web?',
      '  User single',
      'Host Web1 a,b',
      '  Port 7',
      'Host db* !db9',
      '  HostName %h.internal',
      '  UserKnownHostsFile ~/kh1 %d/kh_%r',
      '  ProxyJump bastion',
      'Host *',
      '  Port 2022',
      '',
    ].join('\n');
    const file = join(dir, 'cross-check-config');
    writeFileSync(file, text);
    const me = { home: userInfo().homedir, localUser: userInfo().username };
    for (const alias of ['web', 'web1', 'web12', 'WEB1', 'Web1', 'a', 'b', 'db3', 'db9']) {
      const result = spawnSync('ssh', ['-G', '-F', file, alias], { encoding: 'utf8' });
      expect(result.status).toBe(0);
      const openssh = new Map<string, string>();
      for (const line of result.stdout.split('\n')) {
        const space = line.indexOf(' ');
        if (space > 0) openssh.set(line.slice(0, space), line.slice(space + 1));
      }
      const ours = resolveSshConfig(text, alias, me);
      expect([alias, ours.hostName ?? alias.toLowerCase()]).toEqual([alias, openssh.get('hostname')]);
      expect([alias, String(ours.port)]).toEqual([alias, openssh.get('port')]);
      expect([alias, ours.user ?? me.localUser]).toEqual([alias, openssh.get('user')]);
      expect([alias, ours.proxyJump]).toEqual([alias, openssh.get('proxyjump')]);
      if (ours.userKnownHostsFiles.length > 0) {
        expect([alias, ours.userKnownHostsFiles.join(' ')]).toEqual([
          alias,
          openssh.get('userknownhostsfile'),
        ]);
      }
    }
    expect(resolveSshConfig(text, 'web', env).user).toBeUndefined();
    expect(resolveSshConfig(text, 'Web1', env).port).toBe(7);
    expect(resolveSshConfig(text, 'db9', env).hostName).toBeUndefined();
  });

  it.each([
    ['Host *\n  IdentityFile ~/.ssh/%C\n', 'unsupported token %C'],
    ['Host *\n  IdentityFile ~bob/.ssh/id\n', '~user'],
    ['Host *\n  Port ssh\n', 'Port ssh'],
    ['Host *\n  Port 70000\n', 'Port 70000'],
    ['Host *\n  HostName %u.example\n', 'unsupported token %u'],
    ['Host *\n  User "unterminated\n', 'cannot parse'],
  ])('refuses %j as CONFIG_INVALID', (text, fragment) => {
    expect(() => resolveSshConfig(text, 'web1', env)).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining(fragment) }),
    );
  });
});

describe('readSshConfig', () => {
  it('reads <home>/.ssh/config by default', async () => {
    const home = join(dir, 'home');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    writeFileSync(join(home, '.ssh', 'config'), 'Host web1\n  User deploy\n  IdentityFile ~/.ssh/id\n');
    await expect(readSshConfig('web1', { home, localUser: 'alice' })).resolves.toEqual({
      user: 'deploy',
      identityFiles: [join(home, '.ssh', 'id')],
      userKnownHostsFiles: [],
    });
  });

  it('treats a missing file as an empty config', async () => {
    await expect(readSshConfig('web1', { file: join(dir, 'absent', 'config'), ...env })).resolves.toEqual({
      identityFiles: [],
      userKnownHostsFiles: [],
    });
  });

  it('uses an injected reader', async () => {
    const read: string[] = [];
    const readFile = async (p: string) => {
      read.push(p);
      return 'Host *\n  Port 2022\n';
    };
    await expect(readSshConfig('x', { readFile, ...env })).resolves.toMatchObject({ port: 2022 });
    expect(read).toEqual(['/home/alice/.ssh/config']);
  });

  it('an unreadable, unparsable or invalid file is CONFIG_INVALID naming the file', async () => {
    const asDir = join(dir, 'config-dir');
    mkdirSync(asDir);
    const broken = join(dir, 'broken');
    writeFileSync(broken, 'Host *\n  User "oops\n');
    const badToken = join(dir, 'bad-token');
    writeFileSync(badToken, 'IdentityFile %C\n');
    for (const file of [asDir, broken, badToken]) {
      await expect(readSshConfig('web1', { file, ...env })).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining(file),
        data: { path: file },
      });
    }
  });
});
