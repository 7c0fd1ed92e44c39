import { type ChildProcess, spawn } from 'node:child_process';
import type { ShellStream } from '../../src/ssh/index.js';

/**
 * A local `/bin/sh` child as a ShellStream: the stand-in, in unit tests, for the shell an SSH
 * channel starts on a device (the SSH transport itself is tested against a real sshd).
 * `onSpawn` sees each child, for tests that count shells or end one from the far side.
 */
export function localShell(onSpawn?: (child: ChildProcess) => void): Promise<ShellStream> {
  const child = spawn('/bin/sh', [], { stdio: ['pipe', 'pipe', 'pipe'] });
  onSpawn?.(child);
  return Promise.resolve({
    stdout: child.stdout,
    stderr: child.stderr,
    write: (text) => {
      child.stdin.write(text);
    },
    close: () => {
      child.stdin.end();
      child.kill('SIGKILL');
    },
    onClose: (listener) => child.on('close', listener),
  });
}
