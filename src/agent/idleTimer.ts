/**
 * Fires `onIdle` once no request has been in flight for `idleMs`. With socket activation
 * this lets the agent exit and systemd start it again on the next connection, so an idle
 * device spends no memory on it.
 */
export function createIdleTimer(idleMs: number, onIdle: () => void) {
  let inFlight = 0;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (inFlight === 0) onIdle();
    }, idleMs);
  };
  arm();
  return {
    start() {
      inFlight++;
      clearTimeout(timer);
    },
    end() {
      inFlight = Math.max(0, inFlight - 1);
      if (inFlight === 0) arm();
    },
    stop() {
      clearTimeout(timer);
    },
  };
}
