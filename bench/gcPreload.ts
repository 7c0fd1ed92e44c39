import { writeFileSync } from 'node:fs';

/**
 * Preloaded (`node --expose-gc --import gcPreload.js`) into the agent the memory bench
 * measures: on SIGUSR2 it runs two full garbage collections and writes the process's memory
 * figures to MCP_FLEET_BENCH_MEMORY_FILE. RSS alone measures when V8 chose to collect as much
 * as what the agent holds; the heap after a full collection is what a leak would grow.
 * The agent itself never handles SIGUSR2, so the hook changes nothing else.
 */
function install(): void {
  const out = process.env.MCP_FLEET_BENCH_MEMORY_FILE;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!out || !gc) return;
  process.on('SIGUSR2', () => {
    gc();
    gc();
    const m = process.memoryUsage();
    writeFileSync(
      out,
      JSON.stringify({
        rss: m.rss,
        heapUsed: m.heapUsed,
        external: m.external,
        arrayBuffers: m.arrayBuffers,
      }),
    );
  });
}

install();
