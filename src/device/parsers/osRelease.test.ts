import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseOsRelease } from './osRelease.js';

const sample = (name: string): string => readFileSync(new URL(`./samples/${name}`, import.meta.url), 'utf8');

describe('parseOsRelease', () => {
  it('reads Debian bookworm', () => {
    expect(parseOsRelease(sample('os-release-local.txt'))).toEqual({
      id: 'debian',
      name: 'Debian GNU/Linux',
      version_id: '12',
      pretty_name: 'Debian GNU/Linux 12 (bookworm)',
    });
  });

  it('reads Raspbian bookworm', () => {
    expect(parseOsRelease(sample('os-release-raspbian.txt'))).toEqual({
      id: 'raspbian',
      name: 'Raspbian GNU/Linux',
      version_id: '12',
      pretty_name: 'Raspbian GNU/Linux 12 (bookworm)',
    });
  });

  it('handles comments, blank lines, single quotes and escapes', () => {
    const text = [
      '# written by hand',
      '',
      "NAME='Fedora Linux'",
      '  ID=fedora   ',
      'VERSION_ID=40',
      'PRETTY_NAME="Say \\"hi\\" \\$HOME \\\\ \\n"',
      'ID=not-a-comment#value # later lines win',
    ].join('\n');
    expect(parseOsRelease(text)).toEqual({
      id: 'not-a-comment#value # later lines win',
      name: 'Fedora Linux',
      version_id: '40',
      pretty_name: 'Say "hi" $HOME \\ \\n',
    });
  });

  it('treats CRLF line endings and empty values as absent', () => {
    expect(parseOsRelease('ID=alpine\r\nNAME=""\r\nVERSION_ID=3.20.1\r\n')).toEqual({
      id: 'alpine',
      name: null,
      version_id: '3.20.1',
      pretty_name: null,
    });
  });

  it('returns nulls for empty or garbage text', () => {
    const none = { id: null, name: null, version_id: null, pretty_name: null };
    expect(parseOsRelease('')).toEqual(none);
    expect(parseOsRelease('\u0000\u0001 = = =\n=ID\n1ID=x')).toEqual(none);
    expect(parseOsRelease('ID="unterminated')).toEqual({ ...none, id: 'unterminated' });
  });
});
