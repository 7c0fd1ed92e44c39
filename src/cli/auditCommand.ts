import type { Command } from 'commander';
import {
  type AuditVerification,
  GENESIS,
  parseHash,
  readAuditFiles,
  verifyAuditFiles,
  withRotated,
} from '../audit/index.js';
import { FleetError } from '../errors/index.js';

/** Exit codes of `audit verify` (docs/cli.md). */
export const AUDIT_EXIT = {
  /** Every line checked and the chain is intact. */
  intact: 0,
  /** Checked, and the chain is broken (or the checkpoint is gone): a finding, not a mistake. */
  broken: 1,
  /** Nothing was checked: a usage error, a file that cannot be read. */
  usage: 2,
} as const;

export interface VerifyOptions {
  rotated?: boolean;
  checkpoint?: string;
  json?: boolean;
}

/** Problems printed before `… and N more` (`--json` has up to 100 a file). */
const SHOWN = 20;

const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** The human verdict: one line when intact, else `<file>:<line>: <reason>` per problem and a summary. */
function renderVerification(v: AuditVerification): string {
  const files = v.files.length === 1 ? '' : ` in ${v.files.length} files`;
  const from =
    v.start === null
      ? ''
      : v.start === GENESIS
        ? ' from genesis'
        : `, anchored to ${v.start} (continues an earlier file)`;
  const checkpoint = v.checkpoint?.found
    ? `; checkpoint found at ${v.checkpoint.found.file}:${v.checkpoint.found.line}`
    : '';
  if (v.ok) {
    const last = v.last === null ? '' : `; last line sha256 ${v.last}`;
    return `ok: ${count(v.lines, 'line')}${files}, chain intact${from}${checkpoint}${last}\n`;
  }
  const lines = v.missing.map((m) => `${m.file} is missing between ${m.older} and ${m.newer}`);
  let problems = 0;
  for (const f of v.files) {
    for (const p of f.problems) {
      if (problems++ < SHOWN) lines.push(`${f.file}:${p.line}: ${p.reason}`);
    }
    problems += f.problemCount - f.problems.length;
  }
  if (problems > SHOWN) lines.push(`… and ${problems - SHOWN} more`);
  if (v.checkpoint && v.checkpoint.found === null) {
    lines.push(
      `checkpoint ${v.checkpoint.sha256} is not in the chain: the log was cut or rewritten after it was taken (or its file rotated away)`,
    );
  }
  const first = v.firstBroken ? `, first at ${v.firstBroken.file}:${v.firstBroken.line}` : '';
  const gone = v.missing.length > 0 ? `, ${count(v.missing.length, 'rotated file')} missing` : '';
  lines.push(`broken: ${count(v.lines, 'line')}${files} checked${first}${gone}`);
  return `${lines.join('\n')}\n`;
}

/** `audit verify`: checks the files as one chain and returns the exit code. */
export async function auditVerify(
  paths: readonly string[],
  opts: VerifyOptions,
  out: { write(text: string): unknown },
): Promise<number> {
  let checkpoint: string | undefined;
  if (opts.checkpoint !== undefined) {
    checkpoint = parseHash(opts.checkpoint);
    if (checkpoint === undefined) {
      throw new FleetError('USAGE', `--checkpoint takes a sha256 (64 hex digits), not ${opts.checkpoint}`);
    }
  }
  const sets = opts.rotated
    ? await Promise.all(paths.map(withRotated))
    : [{ files: [...paths], missing: [] }];
  const verdict = verifyAuditFiles(await readAuditFiles(sets.flatMap((s) => s.files)), {
    checkpoint,
    missing: sets.flatMap((s) => s.missing),
  });
  if (opts.json) {
    const json = {
      ok: verdict.ok,
      lines: verdict.lines,
      start: verdict.start,
      last: verdict.last,
      first_broken: verdict.firstBroken ?? null,
      checkpoint: verdict.checkpoint ?? null,
      files: verdict.files.map(({ file, ok, lines, start, last }) => ({ file, ok, lines, start, last })),
      missing: verdict.missing,
      problems: verdict.files.flatMap((f) => f.problems.map((p) => ({ file: f.file, ...p }))),
    };
    out.write(`${JSON.stringify(json)}\n`);
  } else out.write(renderVerification(verdict));
  return verdict.ok ? AUDIT_EXIT.intact : AUDIT_EXIT.broken;
}

/** `mcp-fleet audit`: the audit log's own checks. */
export function registerAuditCommand(program: Command): void {
  const audit = program
    .command('audit')
    .description('Check the audit log of an agent or a hub: each line carries the hash of the one before');
  audit
    .command('verify')
    .description('Check the hash chain of audit files and name the first broken line')
    .argument('<files...>', 'audit files, oldest first: audit.jsonl.2 audit.jsonl.1 audit.jsonl')
    .option(
      '--rotated',
      "also check each file's rotated copies, <file>.N … <file>.1, before it; a missing number is broken",
    )
    .option(
      '--checkpoint <sha256>',
      'a last-line hash kept from an earlier verify: broken unless that line is still in the chain',
    )
    .option(
      '--json',
      'print {ok, lines, start, last, first_broken, checkpoint, files, missing, problems} as JSON',
    )
    .addHelpText(
      'after',
      `
Examples:
  mcp-fleet audit verify /var/lib/mcp-fleet/audit.jsonl
  mcp-fleet audit verify --rotated ~/.local/state/mcp-fleet/hub/audit.jsonl
  mcp-fleet audit verify audit.jsonl.2 audit.jsonl.1 audit.jsonl --json
  mcp-fleet audit verify --json audit.jsonl | jq -r .last > /mnt/elsewhere/audit.last   # keep a checkpoint
  mcp-fleet audit verify --rotated audit.jsonl --checkpoint "$(cat /mnt/elsewhere/audit.last)"

Intact: one line, "ok: N lines, chain intact from genesis; last line sha256 <hash>" (or
"anchored to <hash>" when the first line continues a file not given). Keep that last hash
somewhere the machine cannot write and pass it back as --checkpoint: the chain alone cannot
show a removed tail or a log rewritten by someone who can write the file.
Broken: "<file>:<line>: <reason>" for each problem ("<file> is missing between <older> and
<newer>" for a rotated file removed from the middle, with --rotated), then a summary.

Exit codes: 0 the chain is intact, 1 it is broken (or the checkpoint is gone), 2 nothing was
checked (a usage error, a file that cannot be read).`,
    )
    .action(async (files: string[], opts: VerifyOptions) => {
      const code = await auditVerify(files, opts, process.stdout);
      if (code !== 0) process.exitCode = code;
    });
}
