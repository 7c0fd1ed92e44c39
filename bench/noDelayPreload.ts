import { createRequire } from 'node:module';
import type { ConnectConfig, Client as SshClient } from 'ssh2';

/**
 * A `node --import` preload for the ssh-mcp peer's second instance: every ssh2 connection gets
 * TCP_NODELAY once it is ready. ssh2 leaves Nagle's algorithm on, and a request sent as two
 * small packets (ssh-mcp sends an `env` request, then `exec`) then waits for the server's
 * delayed ACK, about 40 ms on Linux. Timing the peer with and without this shows how much of
 * its latency that stall is, so the comparison does not rest on a socket option.
 *
 * This file is an entry point (like a bin), so it acts on load: that is its whole purpose.
 * ssh2 is resolved from the main script's place (ssh-mcp's bin), so the patched class is the
 * one ssh-mcp imports.
 */
const require = createRequire(process.argv[1] ?? import.meta.url);
const { Client } = require('ssh2') as { Client: typeof SshClient };
const connect = Client.prototype.connect;
Client.prototype.connect = function (this: SshClient, config: ConnectConfig) {
  this.once('ready', () => this.setNoDelay(true));
  return connect.call(this, config);
};
