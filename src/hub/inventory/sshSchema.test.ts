import { describe, expect, it } from 'vitest';
import { type ConfigProblem, parseYamlConfig } from '../../config/index.js';
import { FleetError } from '../../errors/index.js';
import { FleetConfigSchema } from './schema.js';

const FP = `SHA256:${'A'.repeat(42)}E`;
const yaml = (...lines: string[]) => `${lines.join('\n')}\n`;
const parse = (text: string) => parseYamlConfig(FleetConfigSchema, text, 'fleet.yaml');

/** The problems a refused config reports (each with its file, line and field). */
function problems(text: string): ConfigProblem[] {
  try {
    parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(FleetError);
    expect((error as FleetError).code).toBe('CONFIG_INVALID');
    return (error as FleetError<{ problems: ConfigProblem[] }>).data.problems;
  }
  return expect.unreachable('the config was accepted');
}

/** The single problem a refused config reports. */
function problem(text: string): ConfigProblem {
  const all = problems(text);
  expect(all, JSON.stringify(all)).toHaveLength(1);
  return all[0] as ConfigProblem;
}

describe('fleet.yaml ssh devices: accepted', () => {
  it('a minimal ssh device gets its defaults', () => {
    const config = parse(yaml('devices:', '  pi:', '    ssh: { host: pi.lan }'));
    const ssh = config.devices.pi?.ssh;
    expect(ssh).toEqual({
      host: 'pi.lan',
      trust_on_first_use: false,
      ssh_config: false,
      connect_timeout_s: 10,
      keepalive_s: 15,
      idle_close_s: 300,
      max_channels: 4,
    });
    expect(ssh?.port).toBeUndefined();
    expect(config.devices.pi?.tags).toEqual([]);
  });

  it('keeps every explicit setting, one or many identity files, known_hosts and pinned keys', () => {
    const config = parse(
      yaml(
        'devices:',
        '  jump:',
        '    ssh:',
        '      host: 192.0.2.1',
        '      port: 2222',
        '      user: ops',
        '      identity_file: ~/.ssh/id_jump',
        '      known_hosts: [/etc/ssh/known_hosts, ./kh]',
        `      host_key: "${FP}"`,
        '      trust_on_first_use: true',
        '      use_agent: false',
        '      passphrase_env: JUMP_PASS',
        '      connect_timeout_s: 3',
        '      keepalive_s: 0',
        '      idle_close_s: 0',
        '      max_channels: 8',
        '  inner:',
        `    ssh: { host: inner, via: jump, ssh_config: true, identity_file: [a, b], host_key: ["${FP}"] }`,
      ),
    );
    expect(config.devices.jump?.ssh).toEqual({
      host: '192.0.2.1',
      port: 2222,
      user: 'ops',
      identity_file: '~/.ssh/id_jump',
      known_hosts: ['/etc/ssh/known_hosts', './kh'],
      host_key: FP,
      trust_on_first_use: true,
      use_agent: false,
      passphrase_env: 'JUMP_PASS',
      ssh_config: false,
      connect_timeout_s: 3,
      keepalive_s: 0,
      idle_close_s: 0,
      max_channels: 8,
    });
    expect(config.devices.inner?.ssh).toMatchObject({
      via: 'jump',
      ssh_config: true,
      identity_file: ['a', 'b'],
      host_key: [FP],
    });
  });

  it('takes agent_command, become (defaults filled) and policy on an ssh device', () => {
    const config = parse(
      yaml(
        'devices:',
        '  a:',
        '    ssh: { host: a }',
        '    agent_command: "mcp-fleet agent --stdio"',
        '  b:',
        '    ssh: { host: b }',
        '    become: { commands: [apt-get] }',
        '    policy: { read_only: true }',
        '  c:',
        '    ssh: { host: c }',
        '    become: {}',
      ),
    );
    expect(config.devices.a?.agent_command).toBe('mcp-fleet agent --stdio');
    expect(config.devices.b?.become).toEqual({ method: 'sudo', commands: ['apt-get'], units: [] });
    expect(config.devices.b?.policy?.read_only).toBe(true);
    expect(config.devices.c?.become).toEqual({ method: 'sudo', commands: [], units: [] });
  });

  it('accepts a via chain that ends (c → b → a)', () => {
    const config = parse(
      yaml(
        'devices:',
        '  a: { ssh: { host: a } }',
        '  b: { ssh: { host: b, via: a } }',
        '  c: { ssh: { host: c, via: b } }',
      ),
    );
    expect(config.devices.c?.ssh?.via).toBe('b');
  });
});

describe('fleet.yaml ssh devices: refused, with a clear message at the right place', () => {
  it('needs exactly one of url, local and ssh', () => {
    const none = problem(yaml('devices:', '  x:', '    tags: [a]'));
    expect(none).toMatchObject({
      file: 'fleet.yaml',
      line: 3,
      field: 'devices.x',
      message: 'a device needs exactly one of url, local: true or ssh',
    });
    for (const both of [
      '  x: { url: "http://x:1/mcp", ssh: { host: x } }',
      '  x: { local: true, ssh: { host: x } }',
      '  x: { url: "http://x:1/mcp", local: true }',
    ]) {
      expect(problem(yaml('devices:', both))).toMatchObject({
        line: 2,
        field: 'devices.x',
        message: 'a device needs exactly one of url, local: true or ssh',
      });
    }
  });

  it('refuses agent_command without ssh', () => {
    for (const kind of ['    local: true', '    url: "http://x:1/mcp"']) {
      expect(problem(yaml('devices:', '  x:', kind, '    agent_command: mcp-fleet'))).toMatchObject({
        line: 3,
        field: 'devices.x',
        message: 'agent_command needs ssh',
      });
    }
  });

  it('refuses become without ssh, and with agent_command', () => {
    const message = 'become applies to ssh devices without agent_command';
    expect(problem(yaml('devices:', '  x:', '    local: true', '    become: {}'))).toMatchObject({
      line: 3,
      field: 'devices.x',
      message,
    });
    expect(
      problem(
        yaml('devices:', '  x:', '    ssh: { host: x }', '    agent_command: mcp-fleet', '    become: {}'),
      ),
    ).toMatchObject({ line: 3, field: 'devices.x', message });
  });

  it('refuses policy on a url device and with agent_command', () => {
    const message =
      'policy applies to local and ssh devices (an agent, also one started by agent_command, enforces its own)';
    expect(problem(yaml('devices:', '  x:', '    url: "http://x:1/mcp"', '    policy: {}'))).toMatchObject({
      field: 'devices.x',
      message,
    });
    expect(
      problem(
        yaml('devices:', '  x:', '    ssh: { host: x }', '    agent_command: mcp-fleet', '    policy: {}'),
      ),
    ).toMatchObject({ line: 3, field: 'devices.x', message });
  });

  it('refuses token_env and token_file on an ssh device', () => {
    const message = 'token_env and token_file apply to url devices only';
    expect(problem(yaml('devices:', '  x:', '    ssh: { host: x }', '    token_env: X'))).toMatchObject({
      line: 3,
      field: 'devices.x',
      message,
    });
    expect(problem(yaml('devices:', '  x:', '    ssh: { host: x }', '    token_file: /t')).message).toBe(
      message,
    );
  });

  it('refuses a host_key that is not a SHA256 fingerprint, alone or in a list', () => {
    const message = 'host_key: a SHA256 fingerprint as ssh-keygen -lf prints it (SHA256:…)';
    expect(
      problem(
        yaml(
          'devices:',
          '  x:',
          '    ssh:',
          '      host: x',
          '      host_key: "MD5:16:27:ac:a5:76:28:2d:36"',
        ),
      ),
    ).toMatchObject({ line: 5, field: 'devices.x.ssh.host_key', message });
    // One character short of a SHA256 fingerprint, as the second of two.
    expect(
      problem(
        yaml(
          'devices:',
          '  x:',
          '    ssh:',
          '      host: x',
          `      host_key: ["${FP}", "${FP.slice(0, -1)}"]`,
        ),
      ),
    ).toMatchObject({ line: 5, field: 'devices.x.ssh.host_key.1', message });
  });

  it('refuses a via that names an unknown device or a url device', () => {
    expect(problem(yaml('devices:', '  x:', '    ssh:', '      host: x', '      via: ghost'))).toMatchObject({
      line: 5,
      field: 'devices.x.ssh.via',
      message: 'via must name another ssh device of this file; "ghost" is not one',
    });
    expect(
      problem(
        yaml(
          'devices:',
          '  web: { url: "http://web:1/mcp" }',
          '  x:',
          '    ssh:',
          '      host: x',
          '      via: web',
        ),
      ),
    ).toMatchObject({
      line: 6,
      field: 'devices.x.ssh.via',
      message: 'via must name another ssh device of this file; "web" is not one',
    });
  });

  it('refuses a via loop a → b → a on both devices, showing the loop', () => {
    const p = problems(
      yaml('devices:', '  a:', '    ssh: { host: a, via: b }', '  b:', '    ssh: { host: b, via: a }'),
    );
    expect(p).toHaveLength(2);
    expect(p).toContainEqual(
      expect.objectContaining({
        line: 3,
        field: 'devices.a.ssh.via',
        message: 'via makes a loop: a → b → a',
      }),
    );
    expect(p).toContainEqual(
      expect.objectContaining({
        line: 5,
        field: 'devices.b.ssh.via',
        message: 'via makes a loop: b → a → b',
      }),
    );
  });

  it('refuses a device that is its own jump host', () => {
    expect(problem(yaml('devices:', '  a:', '    ssh:', '      host: a', '      via: a'))).toMatchObject({
      line: 5,
      field: 'devices.a.ssh.via',
      message: 'via makes a loop: a → a',
    });
  });

  it('refuses a chain that runs into a loop further on, and ends (c → a → b → a)', () => {
    const p = problems(
      yaml(
        'devices:',
        '  a: { ssh: { host: a, via: b } }',
        '  b: { ssh: { host: b, via: a } }',
        '  c: { ssh: { host: c, via: a } }',
      ),
    );
    expect(p).toContainEqual(
      expect.objectContaining({ field: 'devices.c.ssh.via', message: 'via makes a loop: c → a → b → a' }),
    );
  });

  it('refuses an unknown key inside ssh:, pointing at the key itself', () => {
    expect(
      problem(yaml('devices:', '  x:', '    ssh:', '      host: x', '      hots: y', '      port: 22')),
    ).toMatchObject({
      line: 5,
      column: 7,
      field: 'devices.x.ssh',
      message: expect.stringContaining('"hots"'),
    });
  });

  it('refuses an unknown key inside become:', () => {
    expect(
      problem(
        yaml(
          'devices:',
          '  x:',
          '    ssh: { host: x }',
          '    become:',
          '      method: sudo',
          '      pasword: x',
        ),
      ),
    ).toMatchObject({ line: 6, field: 'devices.x.become', message: expect.stringContaining('"pasword"') });
  });

  it('refuses out-of-range settings at their own field', () => {
    const p = problems(
      yaml(
        'devices:',
        '  x:',
        '    ssh:',
        '      host: x',
        '      port: 70000',
        '      max_channels: 0',
        '      connect_timeout_s: 0',
      ),
    );
    // Sorted by line: zod reports them in the schema's field order.
    expect(p.map((i) => [i.line, i.field]).sort((x, y) => Number(x[0]) - Number(y[0]))).toEqual([
      [5, 'devices.x.ssh.port'],
      [6, 'devices.x.ssh.max_channels'],
      [7, 'devices.x.ssh.connect_timeout_s'],
    ]);
  });
});
