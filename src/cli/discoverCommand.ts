import type { Command } from 'commander';
import { FleetError } from '../errors/index.js';
import {
  type CliIo,
  clip,
  printable,
  printableJson,
  processIo,
  table,
  withNetworkErrorsAsOperator,
} from './servers/cliOutput.js';
import { discover } from './servers/discover.js';
import { createSources, type SourceOptions } from './servers/sources.js';

export interface DiscoverCommandDeps {
  io?: CliIo;
  env?: NodeJS.ProcessEnv;
  fetch?: typeof globalThis.fetch;
  now?: () => Date;
}

type DiscoverOptions = SourceOptions & { limit?: string; json?: boolean };

const MAX_LIMIT = 50;

function parseLimit(text: string | undefined): number {
  if (text === undefined) return 10;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) {
    throw new FleetError('USAGE', `--limit is a whole number from 1 to ${MAX_LIMIT}, not "${text}"`);
  }
  return n;
}

/** `mcp-fleet discover <query>`: MCP servers from the official MCP Registry and npm, ranked. */
export function registerDiscoverCommand(program: Command, deps: DiscoverCommandDeps = {}): void {
  const io = deps.io ?? processIo;
  program
    .command('discover')
    .description('Find MCP servers in the official MCP Registry and on npm, ranked by a quality score')
    .argument('<query...>', 'what to look for (every word must match an npm result)')
    .option('-n, --limit <n>', `how many to show (1–${MAX_LIMIT}, default 10)`)
    .option('--json', 'print {query, candidates: [...], warnings} with the score of each signal')
    .option('--registry-url <url>', 'MCP Registry to ask (env MCP_FLEET_REGISTRY_URL)')
    .option('--npm-url <url>', 'npm registry to search (env MCP_FLEET_NPM_URL)')
    .option('--downloads-url <url>', 'npm download counts API (env MCP_FLEET_NPM_DOWNLOADS_URL)')
    .option('--timeout <seconds>', 'per request (default 10)')
    .addHelpText(
      'after',
      `
Examples:
  mcp-fleet discover filesystem
  mcp-fleet discover home assistant --limit 5
  mcp-fleet discover postgres --json | jq '.candidates[0]'
  mcp-fleet servers add --from-registry <name from the table>

The score (0–100) adds up: listed in the MCP Registry 25, weekly npm downloads up to 30 (log
scale), last publish up to 20 (full within 90 days, none after 2 years or for a date in the
future), a source repository 15, a description 10. It says how much there is to go on, not that a server is safe: read the
code of what you run on the hub's machine. See docs/servers.md.`,
    )
    .action(async (words: string[], opts: DiscoverOptions) => {
      const env = deps.env ?? process.env;
      const query = words.join(' ');
      const limit = parseLimit(opts.limit);
      const sources = createSources(opts, env, deps.fetch);
      const result = await withNetworkErrorsAsOperator(() =>
        discover(query, limit, { ...sources, ...(deps.now ? { now: deps.now } : {}) }),
      );
      // Everything below comes from registries anyone can publish to: printed only through
      // printable/printableJson (table() applies printable to each cell).
      if (opts.json) {
        io.out(`${printableJson({ query, ...result })}\n`);
        return;
      }
      for (const warning of result.warnings) io.err(`mcp-fleet: ${printable(warning)}\n`);
      if (result.candidates.length === 0) {
        io.out(`no MCP servers found for "${printable(query)}"\n`);
        return;
      }
      const rows = result.candidates.map((c) => [
        c.name,
        String(c.score),
        c.sources.join('+'),
        clip(printable(`${c.status === 'deprecated' ? '(deprecated) ' : ''}${c.description ?? '-'}`), 60),
        c.install,
      ]);
      io.out(`${table([['NAME', 'SCORE', 'SOURCE', 'DESCRIPTION', 'INSTALL'], ...rows])}\n`);
    });
}
