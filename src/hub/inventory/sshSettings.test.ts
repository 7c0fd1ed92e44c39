import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SshConfigHost } from '../../ssh/index.js';
import { loadInventory } from './inventory.js';
import { FleetConfigSchema, type SshConfig } from './schema.js';
import { type ResolveSshDeps, resolveSsh } from './sshSettings.js';

const FP = `SHA256:${'A'.repeat(42)}E`;
const empty: SshConfigHost = { identityFiles: [], userKnownHostsFiles: [] };

let root = '';
/** A home with ~/.ssh/id_ed25519 and id_rsa (no id_ecdsa). */
let home = '';
/** A home with no ~/.ssh at all. */
let bareHome = '';
let baseDir = '';
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'mcpf-sshsettings-'));
  home = join(root, 'home');
  bareHome = join(root, 'bare');
  baseDir = join(root, 'etc', 'fleet');
  mkdirSync(join(home, '.ssh'), { recursive: true });
  mkdirSync(bareHome);
  mkdirSync(baseDir, { recursive: true });
  writeFileSync(join(home, '.ssh', 'id_ed25519'), 'not a real key\n', { mode: 0o600 });
  writeFileSync(join(home, '.ssh', 'id_rsa'), 'not a real key\n', { mode: 0o600 });
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Devices as the schema leaves them (defaults filled), so the specs are what resolveSsh really gets. */
function fleet(devices: Record<string, unknown>) {
  return FleetConfigSchema.parse({ devices }).devices;
}

/** An ssh_config lookup that answers from a table and records the aliases it was asked about. */
function lookupFrom(table: Record<string, Partial<SshConfigHost>>) {
  const asked: string[] = [];
  const lookup = async (alias: string): Promise<SshConfigHost> => {
    asked.push(alias);
    return { ...empty, ...table[alias] };
  };
  return { asked, lookup };
}

function deps(extra: Partial<ResolveSshDeps> = {}): ResolveSshDeps {
  return { env: {}, baseDir, home, localUser: 'alice', ...extra };
}

/** Resolves device `name` of `devices` (which must be an ssh device). */
async function resolve(name: string, devices: Record<string, unknown>, extra: Partial<ResolveSshDeps> = {}) {
  const all = fleet(devices);
  const spec = all[name]?.ssh as SshConfig;
  expect(spec).toBeDefined();
  return resolveSsh(name, spec, all, deps(extra));
}

describe('resolveSsh: defaults', () => {
  it('fills OpenSSH defaults from a bare spec and does not consult ssh_config', async () => {
    const { asked, lookup } = lookupFrom({});
    const r = await resolve('pi', { pi: { ssh: { host: 'Pi.LAN' } } }, { sshConfig: lookup });
    expect(r).toEqual({
      device: 'pi',
      host: 'Pi.LAN',
      port: 22,
      user: 'alice',
      identityFiles: [join(home, '.ssh', 'id_ed25519'), join(home, '.ssh', 'id_rsa')],
      useAgent: false,
      knownHosts: [join(home, '.ssh', 'known_hosts')],
      trustOnFirstUse: false,
      connectTimeoutMs: 10_000,
      keepaliveMs: 15_000,
      idleCloseMs: 300_000,
      maxChannels: 4,
    });
    expect(asked).toEqual([]);
  });

  it('picks only the default key files that exist, in OpenSSH order', async () => {
    writeFileSync(join(home, '.ssh', 'id_ecdsa'), 'not a real key\n', { mode: 0o600 });
    try {
      const r = await resolve('pi', { pi: { ssh: { host: 'pi' } } });
      expect(r.identityFiles).toEqual(['id_ed25519', 'id_ecdsa', 'id_rsa'].map((k) => join(home, '.ssh', k)));
    } finally {
      rmSync(join(home, '.ssh', 'id_ecdsa'));
    }
    expect((await resolve('pi', { pi: { ssh: { host: 'pi' } } }, { home: bareHome })).identityFiles).toEqual(
      [],
    );
  });

  it('defaults known_hosts to <home>/.ssh/known_hosts, whether or not it exists', async () => {
    const r = await resolve('pi', { pi: { ssh: { host: 'pi' } } }, { home: bareHome });
    expect(r.knownHosts).toEqual([join(bareHome, '.ssh', 'known_hosts')]);
  });

  it('converts seconds to milliseconds and passes pins, first-use trust and the passphrase variable name', async () => {
    const r = await resolve('pi', {
      pi: {
        ssh: {
          host: 'pi',
          host_key: FP,
          trust_on_first_use: true,
          passphrase_env: 'PI_PASS',
          connect_timeout_s: 2.5,
          keepalive_s: 0,
          idle_close_s: 0,
          max_channels: 7,
        },
      },
    });
    expect(r).toMatchObject({
      hostKeys: [FP],
      trustOnFirstUse: true,
      passphraseEnv: 'PI_PASS',
      connectTimeoutMs: 2500,
      keepaliveMs: 0,
      idleCloseMs: 0,
      maxChannels: 7,
    });
  });
});

describe('resolveSsh: explicit values, then ssh_config, then defaults', () => {
  const fromFile = {
    hostName: 'web1.example.com',
    port: 2200,
    user: 'ops',
    identityFiles: ['/keys/from-config'],
    userKnownHostsFiles: ['/kh/from-config'],
  };

  it('takes what ssh_config says when fleet.yaml says nothing, asking for the alias as written', async () => {
    const { asked, lookup } = lookupFrom({ Web1: fromFile });
    const r = await resolve(
      'web',
      { web: { ssh: { host: 'Web1', ssh_config: true } } },
      { sshConfig: lookup },
    );
    expect(asked).toEqual(['Web1']);
    expect(r).toMatchObject({
      host: 'web1.example.com',
      port: 2200,
      user: 'ops',
      identityFiles: ['/keys/from-config'],
      knownHosts: ['/kh/from-config'],
    });
    expect(r.problem).toBeUndefined();
  });

  it('lets explicit values win over ssh_config', async () => {
    const { lookup } = lookupFrom({ web1: fromFile });
    const r = await resolve(
      'web',
      {
        web: {
          ssh: {
            host: 'web1',
            ssh_config: true,
            port: 2022,
            user: 'deploy',
            identity_file: '/keys/explicit',
            known_hosts: ['/kh/a', '/kh/b'],
          },
        },
      },
      { sshConfig: lookup },
    );
    expect(r).toMatchObject({
      // HostName is what the alias means, so it still comes from ssh_config.
      host: 'web1.example.com',
      port: 2022,
      user: 'deploy',
      identityFiles: ['/keys/explicit'],
      knownHosts: ['/kh/a', '/kh/b'],
    });
  });

  it('falls back to the defaults for whatever ssh_config leaves unset', async () => {
    const { lookup } = lookupFrom({ web1: { user: 'ops' } });
    const r = await resolve(
      'web',
      { web: { ssh: { host: 'web1', ssh_config: true } } },
      { sshConfig: lookup },
    );
    expect(r).toMatchObject({
      host: 'web1',
      port: 22,
      user: 'ops',
      identityFiles: [join(home, '.ssh', 'id_ed25519'), join(home, '.ssh', 'id_rsa')],
      knownHosts: [join(home, '.ssh', 'known_hosts')],
    });
  });

  it('lowercases an ssh_config Host alias that has no HostName, as ssh does; a plain host is kept as written', async () => {
    const { lookup } = lookupFrom({});
    const alias = await resolve(
      'box',
      { box: { ssh: { host: 'MyBox', ssh_config: true } } },
      { sshConfig: lookup },
    );
    expect(alias.host).toBe('mybox');
    const plain = await resolve('box', { box: { ssh: { host: 'MyBox' } } }, { sshConfig: lookup });
    expect(plain.host).toBe('MyBox');
  });
});

describe('resolveSsh: paths', () => {
  it('resolves relative identity_file and known_hosts against baseDir; absolute ones stay', async () => {
    const r = await resolve('pi', {
      pi: {
        ssh: { host: 'pi', identity_file: ['keys/pi', '/abs/key'], known_hosts: '../kh' },
      },
    });
    expect(r.identityFiles).toEqual([join(baseDir, 'keys', 'pi'), '/abs/key']);
    expect(r.knownHosts).toEqual([join(root, 'etc', 'kh')]);
  });

  it('expands ~/ to the home directory when none is injected', async () => {
    const all = fleet({ pi: { ssh: { host: 'pi', identity_file: '~/.ssh/pi', known_hosts: '~/kh' } } });
    const r = await resolveSsh('pi', all.pi?.ssh as SshConfig, all, { env: {}, baseDir, localUser: 'alice' });
    expect(r.identityFiles).toEqual([join(homedir(), '.ssh', 'pi')]);
    expect(r.knownHosts).toEqual([join(homedir(), 'kh')]);
  });

  it('expands ~/ against the injected home', async () => {
    const r = await resolve('pi', {
      pi: { ssh: { host: 'pi', identity_file: '~/.ssh/pi', known_hosts: '~/kh' } },
    });
    expect(r.identityFiles).toEqual([join(home, '.ssh', 'pi')]);
    expect(r.knownHosts).toEqual([join(home, 'kh')]);
  });

  it('reads ~/.ssh/config from the injected home when no lookup is injected', async () => {
    writeFileSync(
      join(home, '.ssh', 'config'),
      'Host mcpf-test-alias-7f3a\n  HostName from-injected-home.example\n  User cfg\n',
    );
    try {
      const r = await resolve('pi', { pi: { ssh: { host: 'mcpf-test-alias-7f3a', ssh_config: true } } });
      expect(r.host).toBe('from-injected-home.example');
    } finally {
      rmSync(join(home, '.ssh', 'config'));
    }
  });
});

describe('resolveSsh: agent', () => {
  it('uses the agent when SSH_AUTH_SOCK is set, unless use_agent says otherwise', async () => {
    const sock = { env: { SSH_AUTH_SOCK: '/tmp/agent.sock' } };
    expect((await resolve('a', { a: { ssh: { host: 'a' } } }, sock)).useAgent).toBe(true);
    expect((await resolve('a', { a: { ssh: { host: 'a' } } }, { env: {} })).useAgent).toBe(false);
    expect((await resolve('a', { a: { ssh: { host: 'a' } } }, { env: { SSH_AUTH_SOCK: '' } })).useAgent).toBe(
      false,
    );
    expect((await resolve('a', { a: { ssh: { host: 'a', use_agent: false } } }, sock)).useAgent).toBe(false);
    expect((await resolve('a', { a: { ssh: { host: 'a', use_agent: true } } }, { env: {} })).useAgent).toBe(
      true,
    );
  });
});

describe('resolveSsh: via', () => {
  it('resolves the jump hosts recursively, each hop with its own device name and settings', async () => {
    const { asked, lookup } = lookupFrom({ edge: { hostName: '192.0.2.1', user: 'jump' } });
    const r = await resolve(
      'inner',
      {
        edge: { ssh: { host: 'edge', ssh_config: true } },
        middle: { ssh: { host: 'middle.lan', port: 2201, via: 'edge' } },
        inner: { ssh: { host: 'inner.lan', user: 'root', via: 'middle' } },
      },
      { sshConfig: lookup },
    );
    expect(r).toMatchObject({ device: 'inner', host: 'inner.lan', user: 'root', port: 22 });
    expect(r.via).toMatchObject({ device: 'middle', host: 'middle.lan', port: 2201, user: 'alice' });
    expect(r.via?.via).toMatchObject({ device: 'edge', host: '192.0.2.1', user: 'jump', port: 22 });
    expect(r.via?.via?.via).toBeUndefined();
    expect(asked).toEqual(['edge']);
  });

  it('a device without via has none', async () => {
    expect((await resolve('a', { a: { ssh: { host: 'a' } } })).via).toBeUndefined();
  });
});

describe('resolveSsh: problems are reported, not thrown', () => {
  it('an ssh_config lookup that throws gives `problem`, and the rest still resolves', async () => {
    const r = await resolve(
      'web',
      { web: { ssh: { host: 'web1', ssh_config: true, user: 'ops' } } },
      {
        sshConfig: async () => {
          throw new Error('cannot read ssh config /home/x/.ssh/config: EACCES');
        },
      },
    );
    expect(r.problem).toBe('cannot read ssh config /home/x/.ssh/config: EACCES');
    expect(r).toMatchObject({ device: 'web', host: 'web1', port: 22, user: 'ops' });
  });

  it('a ProxyJump in ssh_config without via gives `problem` naming the host and ssh.via', async () => {
    const { lookup } = lookupFrom({ db: { hostName: 'db.internal', proxyJump: 'bastion' } });
    const r = await resolve('db', { db: { ssh: { host: 'db', ssh_config: true } } }, { sshConfig: lookup });
    expect(r.problem).toBe(
      '~/.ssh/config gives db a ProxyJump, which is not followed: declare the jump host as an ssh device and set ssh.via',
    );
  });

  it('a ProxyJump with via set is no problem (via is the jump host)', async () => {
    const { lookup } = lookupFrom({ db: { hostName: 'db.internal', proxyJump: 'bastion' } });
    const r = await resolve(
      'db',
      {
        bastion: { ssh: { host: 'bastion' } },
        db: { ssh: { host: 'db', ssh_config: true, via: 'bastion' } },
      },
      { sshConfig: lookup },
    );
    expect(r.problem).toBeUndefined();
    expect(r.via?.device).toBe('bastion');
  });

  it('a problem on a jump host stays on that hop', async () => {
    const r = await resolve(
      'inner',
      {
        edge: { ssh: { host: 'edge', ssh_config: true } },
        inner: { ssh: { host: 'inner', via: 'edge' } },
      },
      {
        sshConfig: async () => {
          throw new Error('unreadable');
        },
      },
    );
    expect(r.problem).toBeUndefined();
    expect(r.via?.problem).toBe('unreadable');
  });
});

describe('loadInventory: ssh connector', () => {
  it('builds the ssh connector with resolved settings, policy, become and agent_command', async () => {
    const text = [
      'devices:',
      '  jump:',
      `    ssh: { host: jump.lan, user: ops, identity_file: keys/jump, host_key: "${FP}" }`,
      '    become: { commands: [apt-get], units: [nginx.service] }',
      '    policy: { read_only: true }',
      '  inner:',
      '    ssh: { host: inner.lan, user: ops, identity_file: /k, via: jump }',
      '    agent_command: "mcp-fleet agent --stdio"',
      '    tags: [lab]',
      '    timeout_s: 7',
    ].join('\n');
    const file = join(baseDir, 'fleet.yaml');
    const inventory = await loadInventory({ file, text, env: { SSH_AUTH_SOCK: '/s' } });
    const jump = inventory.devices.get('jump');
    expect(jump?.connector).toMatchObject({
      kind: 'ssh',
      ssh: {
        device: 'jump',
        host: 'jump.lan',
        user: 'ops',
        identityFiles: [join(baseDir, 'keys', 'jump')],
        hostKeys: [FP],
        useAgent: true,
      },
      policy: { read_only: true },
      become: { commands: ['apt-get'], units: ['nginx.service'] },
    });
    expect(jump?.connector).not.toHaveProperty('agentCommand');
    const inner = inventory.devices.get('inner');
    expect(inner).toMatchObject({ tags: ['lab'], timeoutMs: 7000, source: 'config' });
    expect(inner?.connector).toMatchObject({
      kind: 'ssh',
      agentCommand: 'mcp-fleet agent --stdio',
      policy: { read_only: false },
      ssh: { device: 'inner', via: { device: 'jump', host: 'jump.lan' } },
    });
    expect(inner?.connector).not.toHaveProperty('become');
  });
});
