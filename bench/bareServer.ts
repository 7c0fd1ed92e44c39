import { spawn } from 'node:child_process';
import { createServer } from 'node:http';

/**
 * The baseline the agent is measured against: plain node:http that runs a command with
 * child_process and answers JSON. No MCP, no auth, no policy, no audit.
 * Usage: node bareServer.js PORT
 */
export function main(port: number): void {
  createServer((req, res) => {
    if (req.method === 'GET') {
      res.end('ok');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { argv } = JSON.parse(Buffer.concat(chunks).toString()) as { argv: string[] };
      const child = spawn(argv[0] ?? 'true', argv.slice(1));
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
      });
      child.on('close', (code) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ exit_code: code, stdout: out }));
      });
    });
  }).listen(port, '127.0.0.1');
}

if (process.argv[2]) main(Number(process.argv[2]));
