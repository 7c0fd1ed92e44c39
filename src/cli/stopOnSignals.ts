/**
 * Closes a running server on SIGTERM or SIGINT (and, for stdio, when the client closes stdin),
 * then exits 0: calls in flight are cancelled and their process groups killed first.
 */
export function stopOnSignals(running: { close(): Promise<void> }, options: { stdin?: boolean } = {}): void {
  const stop = () => {
    void running.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  if (options.stdin) {
    process.stdin.once('end', stop);
    process.stdin.once('close', stop);
  }
}
