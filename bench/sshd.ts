import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { BenchContext } from './agentBench.js';
import { freePort } from './procs.js';
import { prepareSshd, SSHD, waitForSshBanner } from './sshdSetup.js';

/** A running OpenSSH server on loopback with everything a client of it needs. */
export interface BenchSshd {
  child: ChildProcess;
  port: number;
  /** The login user: the one running the bench. */
  user: string;
  /** Private key (ed25519, no passphrase) authorized for every user of this sshd. */
  identityFile: string;
  /** known_hosts holding this server's host key for `[127.0.0.1]:port`. */
  knownHostsFile: string;
  /** `SHA256:…` of the host key, as `ssh-keygen -lf` prints it. */
  hostFingerprint: string;
  /** The empty directory sessions get as HOME (so no shell startup file runs). */
  home: string;
  /** sshd's own log (-E), for failure messages. */
  log(): string;
}

/**
 * The system's OpenSSH server on a free loopback port with generated host and user keys in the
 * run's scratch dir (set up as the SSH tests set up theirs: bench/sshdSetup.ts), spawned
 * through the bench's process set so it is killed with everything else.
 */
export async function startBenchSshd(ctx: BenchContext): Promise<BenchSshd> {
  const dir = join(ctx.tmp, 'sshd');
  const home = join(dir, 'home');
  const setup = prepareSshd(dir, {
    port: await freePort(),
    comment: 'mcp-fleet-bench',
    // sshd runs every command through the login shell, and bash sources ~/.bashrc when sshd
    // starts it: a heavy one (pyenv init costs ~250 ms on one bench machine) would be paid by
    // every channel and swamp what is measured. An empty HOME keeps startup files out, alike
    // for every path; sshd applies SetEnv after it sets HOME from the password entry.
    extraConfig: [`SetEnv HOME=${home}`],
  });
  mkdirSync(home, { recursive: true });
  const child = ctx.procs.spawn(SSHD, setup.argv, { stdio: 'ignore' });
  await waitForSshBanner(setup.port, child, setup.log);
  const { port, identityFile, knownHostsFile, hostFingerprint, log } = setup;
  return { child, port, user: userInfo().username, identityFile, knownHostsFile, hostFingerprint, home, log };
}
