import type { ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from './agentBench.js';
import type { SimFleetPorts } from './simAgents.js';

/** The token every simulated agent accepts; the hub reads it through `token_env: SIM_TOKEN`. */
export const SIM_TOKEN = 'bench-sim-token';
export const OPEN_FILES = 65_536;

export interface RunningSimFleet extends SimFleetPorts {
  child: ChildProcess;
  pid: number;
}

/**
 * Starts dist/bench/simAgents.js and waits (bounded) for the JSON line with its ports. Its stdin
 * is a pipe it watches, so it exits with the bench even if the bench dies before cleaning up.
 */
export async function launchSimFleet(
  ctx: BenchContext,
  live: number,
  hung: number,
): Promise<RunningSimFleet> {
  const log = openSync(join(ctx.tmp, 'sim-agents.log'), 'a');
  const child = ctx.procs.spawn(
    process.execPath,
    [join(ctx.root, 'dist/bench/simAgents.js'), String(live), String(hung)],
    {
      env: { ...process.env, SIM_TOKEN },
      stdio: ['pipe', 'pipe', log],
      openFiles: OPEN_FILES,
    },
  );
  const ports = await new Promise<SimFleetPorts>((resolve, reject) => {
    let buffer = '';
    const done = () => {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.stdout?.off('data', onData);
    };
    const onExit = (code: number | null, signal: string | null) => {
      done();
      reject(new Error(`simAgents exited (${code ?? signal}); see ${join(ctx.tmp, 'sim-agents.log')}`));
    };
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      const newline = buffer.indexOf('\n');
      if (newline < 0) return;
      done();
      try {
        resolve(JSON.parse(buffer.slice(0, newline)) as SimFleetPorts);
      } catch (error) {
        reject(error as Error);
      }
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error('simulated fleet not ready within 120 s'));
    }, 120_000);
    child.on('exit', onExit);
    child.stdout?.on('data', onData);
  });
  if (ports.live.length !== live || ports.hung.length !== hung) {
    throw new Error(`simAgents served ${ports.live.length}+${ports.hung.length} ports, not ${live}+${hung}`);
  }
  return { ...ports, child, pid: child.pid ?? 0 };
}
