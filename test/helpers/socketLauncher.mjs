#!/usr/bin/env node
// A stand-in for systemd socket activation (there is no systemd as PID 1 in the test
// environment): open a listening TCP socket on 127.0.0.1, then start the command given on the
// command line with that socket as fd 3 and LISTEN_FDS=1, as systemd does for a .socket unit.
//
// LISTEN_PID is left unset: systemd sets it to the child's pid between fork and exec, which
// `child_process.spawn` cannot do, and the agent honours LISTEN_FDS without LISTEN_PID.
//
// Usage: node socketLauncher.mjs COMMAND [ARG...]
// stdout carries exactly two JSON lines for the caller:
//   {"port":N,"pid":P}            once the socket listens and the child is spawned
//   {"exit":CODE,"signal":SIG}     when the child has exited
// The child's own stdout and stderr go to the launcher's stderr. SIGTERM and SIGINT are passed
// on to the child; the launcher exits with the child's exit code (1 if it died of a signal).
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

const [command, ...args] = process.argv.slice(2);
if (command === undefined) {
  process.stderr.write('usage: socketLauncher.mjs COMMAND [ARG...]\n');
  process.exit(64);
}

const server = createServer();
server.once('error', (error) => {
  process.stderr.write(`socketLauncher: cannot listen: ${error.message}\n`);
  process.exit(70);
});
server.listen({ host: '127.0.0.1', port: 0, backlog: 128 }, () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const env = { ...process.env, LISTEN_FDS: '1' };
  delete env.LISTEN_PID;
  delete env.LISTEN_FDNAMES;
  // The socket goes in as a plain descriptor number: handed over as a server object, spawn()
  // would treat it as a stream (readStop, pause) and break the launcher's copy.
  const fd = server._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) {
    process.stderr.write('socketLauncher: no descriptor for the listening socket\n');
    process.exit(70);
  }
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe', fd] });
  // The child holds its own copy now. Close ours at once, before the event loop turns: a Node
  // server accepts on its socket, and the launcher must never take the child's connections
  // (systemd keeps its copy without accepting, which Node cannot do).
  server.close();
  child.stdout.pipe(process.stderr, { end: false });
  child.stderr.pipe(process.stderr, { end: false });
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    });
  }
  child.once('error', (error) => {
    process.stderr.write(`socketLauncher: cannot start ${command}: ${error.message}\n`);
    process.exit(70);
  });
  child.once('spawn', () => {
    process.stdout.write(`${JSON.stringify({ port, pid: child.pid })}\n`);
  });
  // 'close', not 'exit': the child's output has been passed on by then.
  child.once('close', (code, signal) => {
    process.stdout.write(`${JSON.stringify({ exit: code, signal })}\n`, () => process.exit(code ?? 1));
  });
});
