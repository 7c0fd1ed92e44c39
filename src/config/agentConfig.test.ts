import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FleetError } from '../errors/index.js';
import { AgentConfigSchema } from './agentConfig.js';
import { parseYamlConfig } from './loadYaml.js';

describe('agent.yaml', () => {
  it('the shipped example is valid', () => {
    const text = readFileSync(new URL('../../deploy/agent.example.yaml', import.meta.url), 'utf8');
    const config = parseYamlConfig(AgentConfigSchema, text, 'agent.example.yaml');
    expect(config.policy.exec.mode).toBe('allow');
    expect(config.policy.roots).toContain('/var/log');
    expect(config.tokens[0]?.name).toBe('laptop');
  });

  it('an empty file means the defaults', () => {
    const config = parseYamlConfig(AgentConfigSchema, '', 'agent.yaml');
    expect(config.policy.exec.mode).toBe('open');
    expect(config.policy.limits.default_timeout_s).toBe(30);
    expect(config.audit.enabled).toBe(true);
  });

  it('reports every problem at once, with file, line and field', () => {
    const text = 'listen: "nope"\npolicy:\n  exec:\n    mode: sometimes\n  read_onyl: true\n';
    let error: unknown;
    try {
      parseYamlConfig(AgentConfigSchema, text, '/etc/mcp-fleet/agent.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FleetError);
    const message = (error as FleetError).message;
    expect((error as FleetError).code).toBe('CONFIG_INVALID');
    expect(message).toContain('/etc/mcp-fleet/agent.yaml:1:9: listen:');
    expect(message).toContain('/etc/mcp-fleet/agent.yaml:4:11: policy.exec.mode:');
    expect(message).toContain('/etc/mcp-fleet/agent.yaml:5:3: policy: Unrecognized key: "read_onyl"');
  });

  it('reports YAML syntax errors with their line', () => {
    expect(() => parseYamlConfig(AgentConfigSchema, 'a: [1, 2\nb: 3\n', 'x.yaml')).toThrow(/x\.yaml:\d+:\d+/);
  });
});
