import { describe, expect, it } from 'vitest';
import { hubEntryName, specFromFlags } from './entryFlags.js';

describe('specFromFlags', () => {
  it('defaults to stdio, with the fleet.yaml it was given', () => {
    expect(specFromFlags({}, undefined, {})).toEqual({ transport: 'stdio' });
    expect(specFromFlags({ transport: 'stdio' }, '/etc/fleet.yaml', {})).toEqual({
      transport: 'stdio',
      config: '/etc/fleet.yaml',
    });
  });

  it('defaults http to the local hub and MCP_FLEET_TOKEN by reference', () => {
    expect(specFromFlags({ transport: 'http' }, undefined, { MCP_FLEET_TOKEN: 'secret' })).toEqual({
      transport: 'http',
      url: 'http://127.0.0.1:7420/mcp',
      tokenEnv: 'MCP_FLEET_TOKEN',
    });
  });

  it('reads a literal token from the named variable only with --token-literal', () => {
    const flags = { transport: 'http', tokenEnv: 'HUB_TOKEN', tokenLiteral: true };
    expect(specFromFlags(flags, undefined, { HUB_TOKEN: 'mcpf_x' })).toMatchObject({ token: 'mcpf_x' });
    expect(() => specFromFlags(flags, undefined, {})).toThrow(
      '--token-literal writes the value of $HUB_TOKEN, which is not set',
    );
  });

  it('refuses flags that do not fit together, as USAGE', () => {
    const usage = expect.objectContaining({ code: 'USAGE' });
    expect(() => specFromFlags({ transport: 'sse' }, undefined, {})).toThrow(usage);
    expect(() => specFromFlags({ url: 'http://x/mcp' }, undefined, {})).toThrow(/go with --transport http/);
    expect(() => specFromFlags({ transport: 'http' }, '/f.yaml', {})).toThrow(
      /--config goes with --transport stdio/,
    );
    expect(() => specFromFlags({ transport: 'http', url: 'ftp://x' }, undefined, {})).toThrow(usage);
    expect(() => specFromFlags({ transport: 'http', tokenEnv: '1X' }, undefined, {})).toThrow(usage);
  });
});

describe('hubEntryName', () => {
  it('defaults to fleet and refuses names no client key should have', () => {
    expect(hubEntryName(undefined)).toBe('fleet');
    expect(hubEntryName('fleet-lab')).toBe('fleet-lab');
    expect(() => hubEntryName('a b')).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});
