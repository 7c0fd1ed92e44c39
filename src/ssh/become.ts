import { posix } from 'node:path';

/** Which commands run under `sudo -n` on an SSH device (fleet.yaml `become`). */
export interface BecomeRules {
  /** Programs (a name matches by basename, a path exactly) that always run under sudo. */
  commands: readonly string[];
  /** systemd units whose `systemctl` actions and `journalctl -u` reads run under sudo. */
  units: readonly string[];
}

/**
 * Whether `argv` is one the device's become rules put under `sudo -n`. Pure: the same argv
 * the policy allowed is wrapped, never a different one, and `sudo -n` never asks for a
 * password (a rule missing from sudoers fails with sudo's own message instead).
 */
export function needsSudo(rules: BecomeRules | undefined, argv: readonly string[]): boolean {
  if (!rules || argv.length === 0) return false;
  const program = argv[0] as string;
  const name = posix.basename(program);
  for (const command of rules.commands) {
    if (command.includes('/') ? command === program : command === name) return true;
  }
  if (rules.units.length === 0) return false;
  const args = argv.slice(1);
  if (name === 'systemctl') {
    // The user manager (`--user`) is the login user's own: sudo would act on root's instead.
    if (args.includes('--user')) return false;
    return args.some((arg) => rules.units.includes(arg));
  }
  if (name === 'journalctl') {
    for (let i = 0; i < args.length; i++) {
      const arg = args[i] as string;
      if ((arg === '-u' || arg === '--unit') && rules.units.includes(args[i + 1] ?? '')) return true;
      if (arg.startsWith('--unit=') && rules.units.includes(arg.slice('--unit='.length))) return true;
    }
  }
  return false;
}
