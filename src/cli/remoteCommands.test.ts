import { Readable } from 'node:stream';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { FleetError } from '../errors/index.js';
import type { CliConfigDeps } from './config/index.js';
import { buildProgram } from './main.js';
import type { HubCallOptions, HubCallResult, HubConnection } from './remote/hubClient.js';
import type { RemoteDeps } from './remote/remoteContext.js';
import { registerRemoteCommands } from './remoteCommands.js';

interface Harness {
  deps: RemoteDeps;
  stdout: () => string;
  stderr: () => string;
  calls: Array<{ name: string; args: Record<string, unknown> }>;
  exitCode: () => number;
  interrupt: () => void;
}

const config: CliConfigDeps = {
  env: { MCP_FLEET_TOKEN: 'tok' },
  cwd: '/nowhere',
  home: '/nowhere',
  readFile: async () => {
    throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
  },
};

function harness(
  answer: (name: string, args: Record<string, unknown>, options: HubCallOptions) => Promise<HubCallResult>,
  { tty = true, stdin = '' }: { tty?: boolean; stdin?: string } = {},
): Harness {
  let out = '';
  let err = '';
  let code = 0;
  let onInt: (() => void) | undefined;
  const calls: Harness['calls'] = [];
  const hub: HubConnection = {
    async callTool(name, args, options = {}) {
      calls.push({ name, args });
      return answer(name, args, options);
    },
    listTools: async () => [],
    close: async () => {},
  };
  const input = Object.assign(Readable.from([Buffer.from(stdin)]), { isTTY: false });
  return {
    deps: {
      io: {
        stdout: { isTTY: tty, columns: 80, write: (t) => (out += String(t)) },
        stderr: { isTTY: tty, columns: 80, write: (t) => (err += String(t)) },
        stdin: input,
        env: {},
      },
      config,
      connect: async (target) => {
        expect(target.token).toBe('tok');
        return hub;
      },
      onInterrupt(handler) {
        onInt = handler;
        return () => {
          onInt = undefined;
        };
      },
      setExitCode: (c) => {
        code = c;
      },
    },
    stdout: () => out,
    stderr: () => err,
    calls,
    exitCode: () => code,
    interrupt: () => onInt?.(),
  };
}

async function run(h: Harness, ...argv: string[]): Promise<void> {
  const program = new Command('mcp-fleet').exitOverride();
  registerRemoteCommands(program, () => h.deps);
  await program.parseAsync(['node', 'mcp-fleet', ...argv]);
}

const fleetResult = (results: unknown[]): HubCallResult => ({
  content: [{ type: 'text', text: 'summary' }],
  structuredContent: { summary: '', tool: 'fleet_exec', targets: 'all', results },
});

describe('remote commands', () => {
  it('exec sends argv after --, draws progress on a terminal and clears it, exits 1 when a device failed', async () => {
    const h = harness(async (_name, _args, options) => {
      options.onProgress?.({ progress: 1, message: '1/2 devices done' });
      return fleetResult([
        { device: 'a', ok: true, duration_ms: 5, result: { exit_code: 0, stdout: 'Linux\n', stderr: '' } },
        { device: 'b', ok: false, duration_ms: 0, error: { code: 'TIMEOUT', message: 'no answer' } },
      ]);
    });
    await run(h, 'exec', 'all', '--cwd', '/tmp', '--env', 'A=1', '--', 'uname', '-a');
    expect(h.calls).toEqual([
      { name: 'fleet_exec', args: { targets: 'all', argv: ['uname', '-a'], cwd: '/tmp', env: { A: '1' } } },
    ]);
    expect(h.stderr()).toBe(
      '\r\u001b[2Kfleet_exec: running…\r\u001b[2Kfleet_exec: 1/2 devices done\r\u001b[2K',
    );
    // On a terminal the table is colored; the text under the colors:
    expect(h.stdout()).toContain('\u001b[32mok\u001b[39m');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping the colors the table writes
    const plain = h.stdout().replace(/\u001b\[\d+m/g, '');
    expect(plain).toMatch(/^a +ok +0 +5ms +Linux$/m);
    expect(plain).toMatch(/^b +failed +- +0ms +TIMEOUT: no answer$/m);
    expect(h.exitCode()).toBe(1);
  });

  it('no progress line when not on a terminal; --shell sends one command string', async () => {
    const h = harness(async () => fleetResult([]), { tty: false });
    await run(h, 'exec', 'all', '--shell', '--timeout', '5', '--', 'df -h | tail -1');
    expect(h.calls[0]?.args).toEqual({ targets: 'all', command: 'df -h | tail -1', timeout_s: 5 });
    expect(h.stderr()).toBe('');
    expect(h.stdout()).toBe('no devices matched\n');
  });

  it('write takes standard input, as text or (not UTF-8) as base64', async () => {
    const ok = fleetResult([
      { device: 'a', ok: true, duration_ms: 1, result: { size: 3, sha256: 'f'.repeat(64), created: true } },
    ]);
    const text = harness(async () => ok, { tty: false, stdin: 'hi\n' });
    await run(text, 'write', 'a', '/etc/x', '--backup');
    expect(text.calls[0]?.args).toEqual({
      targets: 'a',
      path: '/etc/x',
      content: 'hi\n',
      encoding: 'utf8',
      backup: true,
    });
    const binary = harness(async () => ok, { tty: false, stdin: '\u00ff' });
    binary.deps.io.stdin = Object.assign(Readable.from([Buffer.from([0xff, 0x00])]), { isTTY: false });
    await run(binary, 'write', 'a', '/bin/x');
    expect(binary.calls[0]?.args).toMatchObject({ content: '/wA=', encoding: 'base64' });
  });

  it('a tool error refused as a whole is one line and exit 2; with --json also {error}', async () => {
    const h = harness(async () => ({
      content: [{ type: 'text', text: 'INVALID_TARGETS: unknown device "x"' }],
      isError: true,
    }));
    await run(h, 'status', 'x', '--json');
    expect(h.stdout()).toBe('{"error":{"code":"INVALID_TARGETS","message":"unknown device \\"x\\""}}\n');
    expect(h.stderr()).toMatch(/mcp-fleet: INVALID_TARGETS: unknown device "x"\n$/);
    expect(h.exitCode()).toBe(2);
  });

  it('Ctrl-C cancels the call: one line, exit 130', async () => {
    let h: Harness | undefined;
    h = harness(
      (_name, _args, options) =>
        new Promise((_resolve, reject) => {
          options.signal?.addEventListener('abort', () => reject(new FleetError('CANCELLED', 'cancelled')));
          setImmediate(() => h?.interrupt());
        }),
      { tty: false },
    );
    await run(h, 'logs', 'all', '--unit', 'ssh');
    expect(h.calls[0]?.args).toEqual({ targets: 'all', unit: 'ssh' });
    expect(h.stderr()).toBe('mcp-fleet: cancelled\n');
    expect(h.exitCode()).toBe(130);
  });

  it('call prints the tool’s text; --args must be a JSON object', async () => {
    const h = harness(async () => ({ content: [{ type: 'text', text: 'hello from a server' }] }), {
      tty: false,
    });
    await run(h, 'call', 'files__list', '--args', '{"path": "/"}');
    expect(h.calls).toEqual([{ name: 'files__list', args: { path: '/' } }]);
    expect(h.stdout()).toBe('hello from a server\n');
    expect(h.exitCode()).toBe(0);
    await expect(run(h, 'call', 'x', '--args', '"str"')).rejects.toMatchObject({ code: 'USAGE' });
  });
});

describe('help', () => {
  it('every command of the CLI for people has examples', async () => {
    const program = await buildProgram();
    const paths = [
      ['status'],
      ['exec'],
      ['read'],
      ['write'],
      ['logs'],
      ['service'],
      ['call'],
      ['init'],
      ['doctor'],
      ['config', 'show'],
      ['devices', 'list'],
      ['devices', 'show'],
      ['devices', 'add'],
      ['devices', 'enrolled'],
      ['devices', 'remove'],
      ['token', 'list'],
      ['token', 'revoke'],
    ];
    for (const path of paths) {
      let command: Command | undefined = program;
      for (const name of path) command = command?.commands.find((c) => c.name() === name);
      let help = '';
      command?.configureOutput({ writeOut: (t) => (help += t) });
      command?.outputHelp();
      expect(help, path.join(' ')).toContain('Examples:');
    }
  });
});
