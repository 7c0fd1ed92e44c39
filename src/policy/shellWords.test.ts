import { describe, expect, it } from 'vitest';
import { checkArgv, findUnsafeChar, isSafeChar, parseCommandLine } from './shellWords.js';

function argvOf(command: string): string[] {
  const result = parseCommandLine(command);
  if (!result.ok) throw new Error(`expected ok, got: ${result.reason}`);
  return result.argv;
}

function refusal(command: string): { reason: string; offending: string } {
  const result = parseCommandLine(command);
  if (result.ok) throw new Error(`expected refusal, got argv ${JSON.stringify(result.argv)}`);
  return result;
}

describe('isSafeChar', () => {
  it('accepts exactly letters, digits, space, tab, _ - . , / : = @ + ^ and quotes', () => {
    const safe = [];
    for (let cp = 0; cp < 0x80; cp++) {
      const ch = String.fromCharCode(cp);
      if (isSafeChar(ch)) safe.push(ch);
    }
    expect(safe.join('')).toBe(
      '\t "\'+,-./0123456789:=@ABCDEFGHIJKLMNOPQRSTUVWXYZ^_abcdefghijklmnopqrstuvwxyz',
    );
  });

  it('refuses non-ASCII, including look-alikes and multi-unit strings', () => {
    for (const ch of ['；', '∣', '＄', '\u00a0', '\u200b', 'é', '😀', 'ab', '']) {
      expect(isSafeChar(ch)).toBe(false);
    }
  });
});

describe('findUnsafeChar', () => {
  it('returns the first unsafe code point whole', () => {
    expect(findUnsafeChar('ls -la')).toBeUndefined();
    expect(findUnsafeChar('ls 😀;')).toBe('😀');
    expect(findUnsafeChar('a;b|c')).toBe(';');
  });
});

describe('parseCommandLine: splitting', () => {
  it('splits on spaces and tabs, collapsing runs and trimming', () => {
    expect(argvOf('ls -la /tmp')).toEqual(['ls', '-la', '/tmp']);
    expect(argvOf('  ls \t  -la\t')).toEqual(['ls', '-la']);
    expect(argvOf('ls\tid')).toEqual(['ls', 'id']);
  });

  it('groups with single and double quotes and removes them', () => {
    expect(argvOf('echo "hello world"')).toEqual(['echo', 'hello world']);
    expect(argvOf("echo 'a  b' c")).toEqual(['echo', 'a  b', 'c']);
    expect(argvOf('echo "a\tb"')).toEqual(['echo', 'a\tb']);
  });

  it('joins adjacent quoted and unquoted pieces as sh does', () => {
    expect(argvOf('echo a"b c"d')).toEqual(['echo', 'ab cd']);
    expect(argvOf(`echo 'x'"y"z`)).toEqual(['echo', 'xyz']);
  });

  it('keeps the other quote character literally inside quotes', () => {
    expect(argvOf(`echo "it's"`)).toEqual(['echo', "it's"]);
    expect(argvOf(`echo '"'`)).toEqual(['echo', '"']);
  });

  it('produces an empty word for empty quotes', () => {
    expect(argvOf(`echo '' ""`)).toEqual(['echo', '', '']);
  });

  it('accepts = in later words and the other safe punctuation', () => {
    expect(argvOf('git config user.name=a@b,c:d+e^f_g')).toEqual([
      'git',
      'config',
      'user.name=a@b,c:d+e^f_g',
    ]);
  });
});

describe('parseCommandLine: refusals', () => {
  it.each([
    [';', 'ls; id'],
    ['$', "echo '$(id)'"],
    ['`', 'echo "`id`"'],
    ['|', 'echo "a|b"'],
    ['\\', 'echo a\\ b'],
    ['*', 'ls *'],
    ['~', 'ls ~'],
    ['%', 'echo %PATH%'],
    ['#', 'ls #x'],
    ['!', 'echo !!'],
    ['\n', 'ls\nid'],
    ['\r', 'ls\rid'],
    ['\0', 'ls\0'],
    ['\v', 'ls\vid'],
    ['\u00a0', 'ls\u00a0-la'],
    ['；', 'ls；id'],
    ['😀', 'echo 😀'],
  ])('refuses %j in %j, even inside quotes, naming it', (ch, command) => {
    const result = refusal(command);
    expect(result.offending).toBe(ch);
    expect(result.reason).toMatch(/^character /);
  });

  it('names printable characters literally and others by code point', () => {
    expect(refusal('ls; id').reason).toContain("';'");
    expect(refusal('ls\nid').reason).toContain('U+000A (newline)');
    expect(refusal('ls；id').reason).toContain('U+FF1B');
  });

  it('refuses unbalanced quotes', () => {
    expect(refusal('"ls')).toMatchObject({ offending: '"' });
    expect(refusal("ls 'a")).toMatchObject({ offending: "'" });
    expect(refusal('ls \'a"').reason).toContain('unbalanced');
  });

  it('refuses an empty or blank command', () => {
    expect(refusal('')).toMatchObject({ offending: '', reason: 'the command is empty' });
    expect(refusal(' \t ')).toMatchObject({ offending: '' });
  });

  it('refuses an environment assignment as the first word, quoted or not', () => {
    expect(refusal('X=1 ls')).toMatchObject({ offending: '=' });
    expect(refusal("'X=1' ls").reason).toContain('environment assignment');
    expect(refusal('PATH=/tmp ls').reason).toContain("'PATH=/tmp'");
  });

  it('refuses an empty program name', () => {
    expect(refusal('"" ls').reason).toBe('the program name is empty');
  });
});

describe('checkArgv', () => {
  it('accepts safe words, including spaces, quotes and empty arguments, and copies the array', () => {
    const input = ['echo', 'hello world', "it's", ''];
    const result = checkArgv(input);
    expect(result).toEqual({ ok: true, argv: input });
    if (result.ok) expect(result.argv).not.toBe(input);
  });

  it('refuses unsafe characters naming the element', () => {
    const result = checkArgv(['ls', 'a\nb']);
    expect(result).toMatchObject({ ok: false, offending: '\n' });
    if (!result.ok) expect(result.reason).toContain('argv[1]');
  });

  it('refuses an empty argv, an empty program and an assignment', () => {
    expect(checkArgv([])).toMatchObject({ ok: false, offending: '' });
    expect(checkArgv(['', 'ls'])).toMatchObject({ ok: false });
    expect(checkArgv(['X=1', 'ls'])).toMatchObject({ ok: false, offending: '=' });
  });
});
