import { describe, expect, it } from 'vitest';
import { FleetError } from '../errors/index.js';
import { buildProgram, reportError } from './main.js';

describe('CLI error edge', () => {
  it('operator errors print one line and exit 2', () => {
    let out = '';
    const code = reportError(new FleetError('CONFIG_INVALID', 'bad config x.yaml'), (t) => {
      out += t;
    });
    expect(code).toBe(2);
    expect(out).toBe('mcp-fleet: bad config x.yaml\n');
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
    const program = buildProgram();
    program.configureOutput({ writeErr: () => {}, writeOut: () => {} });
    let error: unknown;
    try {
      await program.parseAsync(['node', 'mcp-fleet', 'agent', '--no-such-flag']);
    } catch (e) {
      error = e;
    }
    expect(reportError(error, () => {})).toBe(2);
  });

  it('every command has help with examples', () => {
    const agent = buildProgram().commands.find((c) => c.name() === 'agent');
    let help = '';
    agent?.configureOutput({ writeOut: (t) => (help += t) });
    agent?.outputHelp();
    expect(help).toContain('--stdio');
    expect(help).toContain('Examples:');
  });
});
