/** Run-queue load from `/proc/loadavg`. */
export type LoadAvg = {
  load1: number;
  load5: number;
  load15: number;
  /** Runnable scheduling entities (threads) right now. */
  running: number;
  /** Scheduling entities (threads) that exist. */
  total: number;
};

/** Parses `/proc/loadavg` (`0.29 0.22 0.10 1/82 3594`); garbled fields read as 0. */
export function parseLoadavg(text: string): LoadAvg {
  const [load1, load5, load15, tasks = ''] = text.trim().split(/\s+/);
  const [running, total] = tasks.split('/');
  return {
    load1: toNumber(load1),
    load5: toNumber(load5),
    load15: toNumber(load15),
    running: toNumber(running),
    total: toNumber(total),
  };
}

function toNumber(value: string | undefined): number {
  const number = Number(value);
  return value === undefined || value === '' || !Number.isFinite(number) ? 0 : number;
}
