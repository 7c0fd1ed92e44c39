import { createScanner, type Edit, type Node, type SyntaxKind } from 'jsonc-parser';

/**
 * Inserting and deleting one member of a JSON object as text edits, from jsonc-parser's node
 * offsets. The two are each other's inverse for the member an insert adds (so install then
 * remove gives the original bytes), and a delete of any other member takes only that member's
 * own text: its line(s), its comma and a comment on its line, never a comment between members,
 * which may belong to a neighbour.
 */

/** The line end and indentation unit a file already uses, so inserted text looks like the rest. */
export interface Layout {
  eol: string;
  unit: string;
}

/** The file's layout: CRLF if it has any, the indentation of its first indented line (else two spaces). */
export function layoutOf(text: string): Layout {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indented = /^([ \t]+)\S/m.exec(text)?.[1];
  const unit = indented?.startsWith('\t') ? '\t' : indented ? ' '.repeat(Math.min(indented.length, 8)) : '  ';
  return { eol, unit };
}

/** Leading whitespace of the line `offset` is on. */
export function lineIndent(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start))?.[0] ?? '';
}

function onOneLine(text: string, from: number, to: number): boolean {
  return !text.slice(from, to).includes('\n');
}

/** `value` as indented JSON, its lines after the first indented by `indent`. */
export function pretty(value: unknown, indent: string, layout: Layout): string {
  return JSON.stringify(value, null, layout.unit).split('\n').join(`${layout.eol}${indent}`);
}

/** The text of `"key": value` inserted as the last member of `object`, and its offsets. */
export function insertMember(text: string, object: Node, key: string, value: unknown, layout: Layout): Edit {
  const members = object.children ?? [];
  const last = members.at(-1);
  const objectIndent = lineIndent(text, object.offset);
  if (!last) {
    const indent = objectIndent + layout.unit;
    const member = `${layout.eol}${indent}${JSON.stringify(key)}: ${pretty(value, indent, layout)}`;
    const inner = text.slice(object.offset + 1, object.offset + object.length - 1);
    if (inner.trim() !== '') {
      // Comments only: they stay, the member goes after the last of them.
      return { offset: object.offset + 1 + inner.trimEnd().length, length: 0, content: member };
    }
    return {
      offset: object.offset + 1,
      length: object.length - 2,
      content: `${member}${layout.eol}${objectIndent}`,
    };
  }
  const end = last.offset + last.length;
  if (onOneLine(text, object.offset, last.offset)) {
    // An inline object (`{"a": 1}`) stays inline.
    return { offset: end, length: 0, content: `, ${JSON.stringify(key)}: ${JSON.stringify(value)}` };
  }
  const indent = lineIndent(text, last.offset);
  return {
    offset: end,
    length: 0,
    content: `,${layout.eol}${indent}${JSON.stringify(key)}: ${pretty(value, indent, layout)}`,
  };
}

/** jsonc-parser's `SyntaxKind.CommaToken`: a const enum, which cannot be imported as a value here. */
const COMMA_TOKEN: SyntaxKind = 5 as SyntaxKind.CommaToken;

const skipBlanks = (text: string, at: number): number => {
  let i = at;
  while (text[i] === ' ' || text[i] === '\t') i++;
  return i;
};

/** Where a member's own text ends: after its comma (and blanks), and after its line when it ends the line. */
interface Tail {
  /** After the member's comma and the blanks after it (the member's end when it has no comma). */
  afterComma: number;
  comma: boolean;
  /** After the line end, when only blanks and one comment follow the member (and comma) on its line. */
  lineEnd?: number;
}

function tailOf(text: string, end: number): Tail {
  let at = skipBlanks(text, end);
  const comma = text[at] === ',';
  if (comma) at = skipBlanks(text, at + 1);
  const afterComma = comma ? at : end;
  if (text.startsWith('//', at)) {
    const newline = text.indexOf('\n', at);
    at = newline < 0 ? text.length : newline;
  } else if (text.startsWith('/*', at)) {
    const close = text.indexOf('*/', at + 2);
    if (close >= 0 && !text.slice(at, close).includes('\n')) at = skipBlanks(text, close + 2);
  }
  if (text.startsWith('\r\n', at)) return { afterComma, comma, lineEnd: at + 2 };
  if (text[at] === '\n') return { afterComma, comma, lineEnd: at + 1 };
  return { afterComma, comma };
}

/** The start of the line `offset` is on, when only blanks come before it there. */
function aloneFrom(text: string, offset: number): number | undefined {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*$/.test(text.slice(start, offset)) ? start : undefined;
}

/** The member's own text: its whole line(s) when it has them to itself, else it and its comma. */
function ownSpan(text: string, member: Node): Edit {
  const tail = tailOf(text, member.offset + member.length);
  const lineStart = aloneFrom(text, member.offset);
  if (lineStart !== undefined && tail.lineEnd !== undefined)
    return { offset: lineStart, length: tail.lineEnd - lineStart, content: '' };
  return { offset: member.offset, length: tail.afterComma - member.offset, content: '' };
}

/** The offset of the first comma from `from` on, comments and whitespace skipped (the separator). */
function separatorComma(text: string, from: number): number | undefined {
  const scanner = createScanner(text.slice(from), true);
  return scanner.scan() === COMMA_TOKEN ? from + scanner.getTokenOffset() : undefined;
}

/**
 * The edits that delete member `index` of `object`. The last member is cut from the end of
 * the previous one (the inverse of `insertMember`) unless comments sit in between: those are
 * not its own, so then only its own text and the separator comma before it go.
 */
export function deleteMember(text: string, object: Node, index: number): Edit[] {
  const members = object.children ?? [];
  const member = members[index] as Node;
  const previous = members[index - 1];
  const next = members[index + 1];
  const end = member.offset + member.length;
  if (next) return [ownSpan(text, member)];
  if (previous) {
    const from = previous.offset + previous.length;
    if (/^\s*,\s*$/.test(text.slice(from, member.offset)))
      return [{ offset: from, length: end - from, content: '' }];
    const own = ownSpan(text, member);
    // With a trailing comma of its own, the previous member's comma may stay (a trailing one then).
    const comma = tailOf(text, end).comma ? undefined : separatorComma(text, from);
    return comma === undefined ? [own] : [{ offset: comma, length: 1, content: '' }, own];
  }
  // The only member: the whole inside when nothing else is there (the inverse of filling `{}`),
  // back to the last comment before it when nothing follows it (the inverse of inserting after
  // comments), else its own text.
  const open = object.offset + 1;
  const close = object.offset + object.length - 1;
  const before = text.slice(open, member.offset);
  const after = text.slice(tailOf(text, end).afterComma, close);
  if (before.trim() === '' && after.trim() === '')
    return [{ offset: open, length: close - open, content: '' }];
  if (text.slice(end, close).trim() === '') {
    const from = open + before.trimEnd().length;
    return [{ offset: from, length: end - from, content: '' }];
  }
  return [ownSpan(text, member)];
}
