/** First passed descriptor, per sd_listen_fds(3). */
export const SD_LISTEN_FDS_START = 3;

/**
 * The listening sockets systemd passed us (socket activation), or none. Only honoured when
 * LISTEN_PID names this process, so a child that inherits the variables ignores them.
 */
export function listenFds(env: NodeJS.ProcessEnv, pid: number = process.pid): number[] {
  const count = Number(env.LISTEN_FDS ?? 0);
  if (!Number.isInteger(count) || count <= 0) return [];
  if (env.LISTEN_PID !== undefined && Number(env.LISTEN_PID) !== pid) return [];
  return Array.from({ length: count }, (_, i) => SD_LISTEN_FDS_START + i);
}
