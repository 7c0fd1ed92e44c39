import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashToken } from '../../src/agent/auth.js';
import { FUZZ_MAX_BODY } from './jsonRpcArbitraries.js';

/**
 * What keeps fuzzed tool calls harmless: exec may run only `echo` and `true`, in allow-list
 * mode (argv without a shell, no environment overrides); file tools stay under a temp root;
 * `service` and `tmux` are disabled (their arguments are still validated before the policy
 * refuses them), so no unit is touched and no session another test owns is killed; timeouts
 * and sizes are small. The YAML is the `policy:` block of agent.yaml and of a local device.
 */
export function confinedPolicyYaml(root: string, indent: string): string {
  return [
    'policy:',
    '  tools: { disabled: [service, tmux] }',
    '  exec:',
    '    mode: allow',
    '    allow:',
    '      - { id: echo, argv: [echo] }',
    '      - { id: "true", argv: ["true"] }',
    `  roots: [${JSON.stringify(root)}]`,
    '  limits:',
    '    default_timeout_s: 5',
    '    max_timeout_s: 5',
    '    max_output_bytes: 16384',
    '    max_file_bytes: 65536',
    '    max_concurrent: 16',
    `    max_body_bytes: ${FUZZ_MAX_BODY}`,
  ]
    .map((line) => indent + line)
    .join('\n');
}

/** agent.yaml of a fuzzed agent: the confined policy, and a second token named `other`. */
export function confinedAgentYaml(root: string, otherToken: string): string {
  return [
    'tokens:',
    `  - { name: other, sha256: ${hashToken(otherToken)} }`,
    // Forced on so the service and tmux tools are in the catalogue (and refused by the policy).
    'capabilities: { systemd: true, tmux: true, journald: false }',
    'log: { level: warn }',
    confinedPolicyYaml(root, ''),
  ].join('\n');
}

/**
 * The fixtures fuzzed paths name: a file, a directory, a symlink out of the root, a symlink
 * loop and a FIFO (a read that opened it naively would block forever).
 */
export function prepareRoot(root: string): void {
  writeFileSync(join(root, 'file.txt'), 'line one\nline two\nerror: three\n');
  mkdirSync(join(root, 'dir'));
  writeFileSync(join(root, 'dir', 'inner.txt'), 'inner\n');
  symlinkSync('/etc', join(root, 'escape'));
  symlinkSync('loop', join(root, 'loop'));
  execFileSync('mkfifo', [join(root, 'fifo')]);
}
