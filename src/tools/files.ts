import { z } from 'zod';
import { FleetError } from '../errors/index.js';
import { defineTool } from './toolDef.js';

const Encoding = z.enum(['utf8', 'base64']).default('utf8');
const Path = z.string().min(1).describe('Absolute path inside the allowed roots.');

export const readFileTool = defineTool({
  name: 'read_file',
  title: 'Read a file',
  description:
    'Read a file inside the allowed roots: whole, a byte range (offset/length) or the last lines (tail_lines). ' +
    'Returns the sha256 of the whole file for a later write_file if_sha256.',
  input: z
    .object({
      path: Path,
      offset: z.number().int().nonnegative().optional(),
      length: z.number().int().nonnegative().optional(),
      tail_lines: z.number().int().positive().max(100_000).optional(),
      encoding: Encoding,
    })
    .strict(),
  output: z.object({
    path: z.string(),
    content: z.string(),
    encoding: z.enum(['utf8', 'base64']),
    size: z.number(),
    mtime: z.string(),
    sha256: z.string().nullable().describe('null for files over 64 MiB'),
    truncated: z.boolean(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async prepare(args, ctx) {
    if (args.tail_lines !== undefined && (args.offset !== undefined || args.length !== undefined)) {
      throw new FleetError('INVALID_ARGUMENT', 'tail_lines cannot be combined with offset or length');
    }
    return { ...args, path: await ctx.resolvePath(args.path) };
  },
  async run(args, ctx) {
    const r = await ctx.device.readFile({
      path: args.path,
      offset: args.offset,
      length: args.length,
      tailLines: args.tail_lines,
      maxBytes: ctx.policy.limits.max_file_bytes,
    });
    return {
      path: args.path,
      content: r.data.toString(args.encoding),
      encoding: args.encoding,
      size: r.size,
      mtime: r.mtime,
      sha256: r.sha256 === '' ? null : r.sha256,
      truncated: r.truncated,
    };
  },
  render: (r) =>
    `${r.path} (${r.size} bytes${r.truncated ? ', truncated' : ''}, sha256 ${r.sha256 ?? 'n/a'})\n${r.content}`,
});

const Mode = z
  .string()
  .regex(/^0?[0-7]{3}$/, 'mode is an octal string such as "0644" (no setuid/setgid/sticky bits)')
  .describe(
    'Octal permission bits, e.g. "0644" (no setuid/setgid/sticky bits). ' +
      'Default: keep the existing mode (special bits included), or 0644.',
  );

export const writeFileTool = defineTool({
  name: 'write_file',
  title: 'Write a file atomically',
  description:
    'Write a file inside the allowed roots atomically (temp file, fsync, rename): readers see the old or the new ' +
    'file, never a torn one. if_sha256 refuses the write unless the current file has that hash.',
  input: z
    .object({
      path: Path,
      content: z.string(),
      encoding: Encoding,
      mode: Mode.optional(),
      append: z.boolean().default(false),
      if_sha256: z
        .string()
        .regex(/^[0-9a-fA-F]{64}$/, 'if_sha256 is 64 hex digits')
        .optional(),
      backup: z.boolean().default(false).describe('Keep the previous content as <path>.bak'),
    })
    .strict(),
  output: z.object({
    path: z.string(),
    bytes_written: z.number(),
    size: z.number(),
    sha256: z.string(),
    created: z.boolean(),
    backup_path: z.string().nullable(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
  async prepare(args, ctx) {
    const data = Buffer.from(args.content, args.encoding);
    const max = ctx.policy.limits.max_file_bytes;
    if (data.length > max) {
      throw new FleetError('FILE_TOO_LARGE', `content is ${data.length} bytes; the limit is ${max}`, {
        limit: max,
      });
    }
    const path = await ctx.resolvePath(args.path);
    return { ...args, path, data };
  },
  async run(args, ctx) {
    const r = await ctx.device.writeFile({
      path: args.path,
      data: args.data,
      mode: args.mode === undefined ? undefined : Number.parseInt(args.mode, 8),
      append: args.append,
      ifSha256: args.if_sha256,
      backup: args.backup,
      maxBytes: ctx.policy.limits.max_file_bytes,
    });
    return { path: args.path, ...r };
  },
  render: (r) =>
    `${r.created ? 'created' : 'wrote'} ${r.path}: ${r.size} bytes, sha256 ${r.sha256}` +
    (r.backup_path ? `, backup ${r.backup_path}` : ''),
});

export const listDirTool = defineTool({
  name: 'list_dir',
  title: 'List a directory',
  description: 'List a directory inside the allowed roots: name, type, size, mode and mtime of each entry.',
  input: z.object({ path: Path, hidden: z.boolean().default(false) }).strict(),
  output: z.object({
    path: z.string(),
    entries: z.array(
      z.object({
        name: z.string(),
        type: z.enum(['file', 'directory', 'symlink', 'other']),
        size: z.number(),
        mode: z.string(),
        mtime: z.string(),
      }),
    ),
    truncated: z.boolean(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async prepare(args, ctx) {
    return { ...args, path: await ctx.resolvePath(args.path) };
  },
  async run(args, ctx) {
    const { entries, truncated } = await ctx.device.listDir(args.path, args.hidden);
    return { path: args.path, entries, truncated };
  },
  render(r) {
    const lines = r.entries.map((e) => {
      const suffix = e.type === 'directory' ? '/' : e.type === 'symlink' ? '@' : '';
      return `${e.mode} ${String(e.size).padStart(10)} ${e.mtime.slice(0, 16)} ${e.name}${suffix}`;
    });
    return [`${r.path}: ${r.entries.length} entries${r.truncated ? ' (truncated)' : ''}`, ...lines].join(
      '\n',
    );
  },
});
