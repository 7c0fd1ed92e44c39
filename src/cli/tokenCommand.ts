import type { Command } from 'commander';
import { generateToken, hashToken } from '../agent/index.js';
import { FleetError } from '../errors/index.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function registerTokenCommand(program: Command): void {
  const token = program.command('token').description('Make bearer tokens and the hashes configs store');
  token
    .command('create')
    .description('Print a new random token and the config entry that accepts it (only the hash is stored)')
    .option('-n, --name <name>', 'name recorded in the audit log for calls with this token', 'default')
    .option('--json', 'print {name, token, sha256} as JSON')
    .action((opts: { name: string; json?: boolean }) => {
      if (!/^[A-Za-z0-9_.@-]{1,64}$/.test(opts.name)) {
        throw new FleetError('USAGE', 'token name: letters, digits, _ . @ - (1–64 characters)');
      }
      const value = generateToken();
      const sha256 = hashToken(value);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ name: opts.name, token: value, sha256 })}\n`);
        return;
      }
      process.stdout.write(
        `Token (shown once): ${value}\n\nAdd to agent.yaml:\ntokens:\n  - name: ${opts.name}\n    sha256: "${sha256}"\n`,
      );
    });
  token
    .command('hash')
    .description('Read a token on stdin and print its sha256, for the tokens list of a config')
    .action(async () => {
      const value = (await readStdin()).trim();
      if (!value) throw new FleetError('USAGE', 'no token on stdin');
      process.stdout.write(`${hashToken(value)}\n`);
    });
}
