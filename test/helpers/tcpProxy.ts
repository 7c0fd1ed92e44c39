import { connect, createServer, type Server, type Socket } from 'node:net';
import { freePort } from './agentProcess.js';

export interface TcpProxy {
  port: number;
  /** Connections made through it so far. */
  connections(): number;
  /** Drops every open connection at once (both ends), as a network failure would. */
  cut(): void;
  close(): Promise<void>;
}

/** A loopback TCP relay to 127.0.0.1:`target`, which a test can cut to drop connections. */
export async function startTcpProxy(target: number): Promise<TcpProxy> {
  const port = await freePort();
  const open = new Set<Socket>();
  let count = 0;
  const server: Server = createServer((client) => {
    count++;
    const upstream = connect(target, '127.0.0.1');
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    connections: () => count,
    cut() {
      for (const s of open) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
