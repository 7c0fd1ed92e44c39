import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { FleetError, markOperator } from '../errors/index.js';
import { buildProgram, exitOnBrokenPipe, reportError } from './main.js';

describe('CLI error edge', () => {
  it('operator errors print one line and exit 2', () => {
    let out = '';
    const code = reportError(new FleetError('CONFIG_INVALID', 'bad config x.yaml'), (t) => {
      out += t;
    });
    expect(code).toBe(2);
    expect(out).toBe('mcp-fleet: bad config x.yaml\n');
  });

  it('an unreachable hub or registry, or a held lock, marked for the operator, is one line and exit 2', () => {
    for (const error of [
      new FleetError('UNAVAILABLE', 'cannot reach the hub at http://h/mcp', { operator: true }),
      markOperator(new FleetError('TIMEOUT', 'the MCP Registry: no answer from r.test within 10 s')),
    ]) {
      let out = '';
      expect(reportError(error, (t) => (out += t))).toBe(2);
      expect(out).toBe(`mcp-fleet: ${error.message}\n`);
    }
    // Unmarked, the same codes are defects at the CLI edge: something inside failed unexpectedly.
    let out = '';
    expect(reportError(new FleetError('UNAVAILABLE', 'inner'), (t) => (out += t))).toBe(1);
    expect(out).toContain('internal error');
  });

  it('a reader that goes away ends the command quietly; other stream errors are not hidden', () => {
    const stdout = new EventEmitter();
    const stderr = new EventEmitter();
    const exits: number[] = [];
    exitOnBrokenPipe([stdout, stderr], (code) => exits.push(code));
    stdout.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    stderr.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(exits).toEqual([0, 0]);
    expect(() => stdout.emit('error', Object.assign(new Error('write EIO'), { code: 'EIO' }))).toThrow('EIO');
    expect(exits).toEqual([0, 0]);
    // A stdio MCP server's transport listens too: it closes the server itself, so no exit here.
    const seen: string[] = [];
    stdout.on('error', (e: NodeJS.ErrnoException) => seen.push(e.code ?? ''));
    stdout.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(seen).toEqual(['EPIPE']);
    expect(exits).toEqual([0, 0]);
  });

  it('defects print the stack and exit 1', () => {
    let out = '';
    const code = reportError(new TypeError('boom'), (t) => {
      out += t;
    });
    expect(code).toBe(1);
    expect(out).toContain('internal error');
    expect(out).toContain('TypeError: boom');
    expect(out.split('\n').length).toBeGreaterThan(3);
  });

  it('unknown options are usage errors (exit 2)', async () => {
    const program = await buildProgram();
    program.configureOutput({ writeErr: () => {}, writeOut: () => {} });
    let error: unknown;
    try {
      await program.parseAsync(['node', 'mcp-fleet', 'agent', '--no-such-flag']);
    } catch (e) {
      error = e;
    }
    expect(reportError(error, () => {})).toBe(2);
  });

  it('every command has help with examples', async () => {
    const agent = (await buildProgram()).commands.find((c) => c.name() === 'agent');
    let help = '';
    agent?.configureOutput({ writeOut: (t) => (help += t) });
    agent?.outputHelp();
    expect(help).toContain('--stdio');
    expect(help).toContain('Examples:');
  });

  it('registers only the commands a run needs, and every command for help or an unknown word', async () => {
    const names = async (word?: string) => (await buildProgram(word)).commands.map((c) => c.name());
    expect(await names('agent')).toEqual(['agent']);
    expect(await names('exec')).toEqual(['status', 'exec', 'read', 'write', 'logs', 'service', 'call']);
    const servers = (await buildProgram('servers')).commands.find((c) => c.name() === 'servers');
    expect(servers?.commands.map((c) => c.name())).toContain('import');
    const all = await names(undefined);
    expect(all).toEqual(await names('--help'));
    expect(all).toEqual(expect.arrayContaining(['up', 'hub', 'agent', 'clients', 'discover', 'doctor']));
  });
});
