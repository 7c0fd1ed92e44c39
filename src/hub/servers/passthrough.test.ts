import type { Prompt, Resource, ResourceTemplateType, Tool } from '@modelcontextprotocol/client';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { type ServerConfig, ServerSchema } from '../inventory/schema.js';
import type { DownstreamServer } from './downstreamServer.js';
import { createPassthrough, type PassthroughEntry } from './passthrough.js';

interface FakeListings {
  tools?: Tool[];
  resources?: Resource[];
  resourceTemplates?: ResourceTemplateType[];
  prompts?: Prompt[];
}

/**
 * A stand-in for a connected server: passthrough only reads listings and status. Like the real
 * one, it hands out the same arrays until its listings change.
 */
function fake(name: string, listings: FakeListings): DownstreamServer & { set(next: FakeListings): void } {
  const normalize = (l: FakeListings): Required<FakeListings> => ({
    tools: l.tools ?? [],
    resources: l.resources ?? [],
    resourceTemplates: l.resourceTemplates ?? [],
    prompts: l.prompts ?? [],
  });
  let current = normalize(listings);
  const unused = () => Promise.reject(new Error('not used'));
  return {
    name,
    tools: () => current.tools,
    resources: () => current.resources,
    resourceTemplates: () => current.resourceTemplates,
    prompts: () => current.prompts,
    callTool: unused,
    readResource: unused,
    getPrompt: unused,
    status: () => ({ state: 'ready', restarts: 0, last_error: null, pid: null }),
    close: async () => {},
    set(next) {
      current = normalize(next);
    },
  };
}

const tool = (name: string, extra: Partial<Tool> = {}): Tool => ({
  name,
  inputSchema: { type: 'object', properties: { x: { type: 'string' } } },
  ...extra,
});

function cfg(raw: Record<string, unknown> = {}): ServerConfig {
  return ServerSchema.parse({ command: 'true', ...raw });
}

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

function entries(...list: [string, DownstreamServer, ServerConfig?][]): Map<string, PassthroughEntry> {
  return new Map(list.map(([name, server, config]) => [name, { server, config: config ?? cfg() }]));
}

describe('createPassthrough tools', () => {
  it('renames to <server>__<tool>, prefixes the description and keeps schemas and annotations', () => {
    const original = tool('read', {
      description: 'Reads',
      title: 'Read',
      annotations: { readOnlyHint: true },
      outputSchema: { type: 'object' },
    });
    const passthrough = createPassthrough(entries(['fs', fake('fs', { tools: [original] })]));
    const [listed] = passthrough.tools();
    expect(listed).toEqual({
      server: 'fs',
      tool: 'read',
      wire: { ...original, name: 'fs__read', description: '[fs] Reads' },
    });
    expect(passthrough.findTool('fs__read')).toBe(listed);
    expect(original.name).toBe('read'); // the server's own listing is not touched
  });

  it('gives a tool without a description just the prefix', () => {
    const passthrough = createPassthrough(entries(['fs', fake('fs', { tools: [tool('x')] })]));
    expect(passthrough.tools()[0]?.wire.description).toBe('[fs]');
  });

  it('splits at the first __, so a downstream name containing __ still routes', () => {
    const passthrough = createPassthrough(entries(['a', fake('a', { tools: [tool('b__c')] })]));
    expect(passthrough.findTool('a__b__c')).toMatchObject({ server: 'a', tool: 'b__c' });
  });

  it('skips, with a warning, names that would be invalid or too long', () => {
    const { logger, lines } = capture();
    const long = 'x'.repeat(126); // "fs__" + 126 = 130 > 128
    const ok = 'y'.repeat(124); // exactly 128
    const passthrough = createPassthrough(
      entries(['fs', fake('fs', { tools: [tool('has space'), tool(long), tool(ok), tool('ünï')] })]),
      logger,
    );
    expect(passthrough.tools().map((t) => t.tool)).toEqual([ok]);
    expect(passthrough.findTool(`fs__${long}`)).toBeUndefined();
    expect(lines.filter((l) => l.tool !== undefined).map((l) => l.tool)).toEqual(['has space', long, 'ünï']);
  });

  it('skips a tool a server lists twice', () => {
    const { logger, lines } = capture();
    const passthrough = createPassthrough(
      entries(['fs', fake('fs', { tools: [tool('a'), tool('a')] })]),
      logger,
    );
    expect(passthrough.tools()).toHaveLength(1);
    expect(lines).toHaveLength(1);
  });

  it('filters by include and exclude on the original name', () => {
    const server = fake('fs', { tools: [tool('read'), tool('write'), tool('list')] });
    const onlyRead = createPassthrough(
      entries(['fs', server, cfg({ tools: { include: ['read', 'write'], exclude: ['write'] } })]),
    );
    expect(onlyRead.tools().map((t) => t.wire.name)).toEqual(['fs__read']);
    expect(onlyRead.findTool('fs__write')).toBeUndefined();
    expect(onlyRead.findTool('fs__list')).toBeUndefined();
    const noWrite = createPassthrough(entries(['fs', server, cfg({ tools: { exclude: ['write'] } })]));
    expect(noWrite.tools().map((t) => t.wire.name)).toEqual(['fs__read', 'fs__list']);
  });

  it('leaves out servers disabled in the config', () => {
    const passthrough = createPassthrough(
      entries(['fs', fake('fs', { tools: [tool('a')] }), cfg({ enabled: false })]),
    );
    expect(passthrough.tools()).toEqual([]);
    expect(passthrough.findTool('fs__a')).toBeUndefined();
  });

  it('follows a server whose listing changed, and warns only when it changes', () => {
    const { logger, lines } = capture();
    const server = fake('fs', { tools: [tool('bad name')] });
    const passthrough = createPassthrough(entries(['fs', server]), logger);
    passthrough.tools();
    passthrough.tools();
    expect(lines).toHaveLength(1);
    server.set({ tools: [tool('good')] });
    expect(passthrough.tools().map((t) => t.wire.name)).toEqual(['fs__good']);
  });
});

describe('createPassthrough resources and prompts', () => {
  const res = (uri: string): Resource => ({ uri, name: uri });

  it('keeps URIs, routes by who listed them, and the first server in config order wins a duplicate', () => {
    const { logger, lines } = capture();
    const a = fake('a', { resources: [res('file:///etc/hosts'), res('a://one')] });
    const b = fake('b', { resources: [res('file:///etc/hosts'), res('b://two')] });
    const passthrough = createPassthrough(entries(['a', a], ['b', b]), logger);
    expect(passthrough.resources().map((r) => r.uri)).toEqual(['file:///etc/hosts', 'a://one', 'b://two']);
    expect(passthrough.findResourceServer('file:///etc/hosts')).toBe('a');
    expect(passthrough.findResourceServer('b://two')).toBe('b');
    expect(lines).toEqual([expect.objectContaining({ server: 'b', uri: 'file:///etc/hosts', owner: 'a' })]);
  });

  it('routes an unlisted URI to the first server whose template matches it', () => {
    const a = fake('a', { resourceTemplates: [{ uriTemplate: 'notes://{id}', name: 'note' }] });
    const b = fake('b', {
      resourceTemplates: [
        { uriTemplate: 'notes://{id}', name: 'note' },
        { uriTemplate: 'logs://{unit}/{day}', name: 'log' },
      ],
    });
    const passthrough = createPassthrough(entries(['a', a], ['b', b]));
    expect(passthrough.resourceTemplates()).toHaveLength(3);
    expect(passthrough.findResourceServer('notes://42')).toBe('a');
    expect(passthrough.findResourceServer('logs://sshd/monday')).toBe('b');
    expect(passthrough.findResourceServer('other://x')).toBeUndefined();
  });

  it('a listed URI beats an earlier server template', () => {
    const a = fake('a', { resourceTemplates: [{ uriTemplate: 'notes://{id}', name: 'note' }] });
    const b = fake('b', { resources: [res('notes://7')] });
    expect(createPassthrough(entries(['a', a], ['b', b])).findResourceServer('notes://7')).toBe('b');
  });

  it('renames prompts and finds them back', () => {
    const a = fake('a', {
      prompts: [
        { name: 'summarize', description: 'Sum', arguments: [{ name: 'text', required: true }] },
        { name: 'bad name' },
      ],
    });
    const passthrough = createPassthrough(entries(['a', a]));
    expect(passthrough.prompts()).toEqual([
      { name: 'a__summarize', description: 'Sum', arguments: [{ name: 'text', required: true }] },
    ]);
    expect(passthrough.findPrompt('a__summarize')).toEqual({ server: 'a', prompt: 'summarize' });
    expect(passthrough.findPrompt('a__bad name')).toBeUndefined();
    expect(passthrough.findPrompt('summarize')).toBeUndefined();
  });
});
