import { describe, expect, it } from 'vitest';
import { canonicalPathProblem, evaluatePath, requestedPathDenial } from './roots.js';

const roots = ['/home/pi', '/tmp'];

describe('evaluatePath', () => {
  it('allows a root itself and paths below it, naming the root', () => {
    expect(evaluatePath(roots, '/home/pi')).toMatchObject({ decision: 'allow', ruleId: 'roots:/home/pi' });
    expect(evaluatePath(roots, '/home/pi/notes/a.txt')).toMatchObject({
      decision: 'allow',
      ruleId: 'roots:/home/pi',
    });
    expect(evaluatePath(roots, '/tmp/x')).toMatchObject({ decision: 'allow', ruleId: 'roots:/tmp' });
  });

  it('compares whole components', () => {
    expect(evaluatePath(['/srv/data'], '/srv/database')).toMatchObject({ decision: 'deny', ruleId: 'roots' });
    expect(evaluatePath(['/srv/data'], '/srv/data-old/x')).toMatchObject({
      decision: 'deny',
      ruleId: 'roots',
    });
    expect(evaluatePath(['/srv/data'], '/srv')).toMatchObject({ decision: 'deny', ruleId: 'roots' });
    expect(evaluatePath(['/srv/data'], '/srv/data/base').decision).toBe('allow');
  });

  it('lets root / allow every canonical path', () => {
    expect(evaluatePath(['/'], '/')).toMatchObject({ decision: 'allow', ruleId: 'roots:/' });
    expect(evaluatePath(['/'], '/etc/shadow')).toMatchObject({ decision: 'allow', ruleId: 'roots:/' });
  });

  it('tolerates a trailing slash on a root', () => {
    expect(evaluatePath(['/srv/data/'], '/srv/data/x').decision).toBe('allow');
    expect(evaluatePath(['/srv/data/'], '/srv/data').decision).toBe('allow');
    expect(evaluatePath(['/srv/data/'], '/srv/database').decision).toBe('deny');
  });

  it('uses the first containing root in order', () => {
    expect(evaluatePath(['/home', '/home/pi'], '/home/pi/x').ruleId).toBe('roots:/home');
  });

  it('denies paths outside the roots with a reason listing them', () => {
    expect(evaluatePath(roots, '/etc/shadow')).toEqual({
      decision: 'deny',
      ruleId: 'roots',
      reason: 'path /etc/shadow is outside the allowed roots (/home/pi, /tmp)',
    });
    expect(evaluatePath(roots, '/proc/self/root/etc/shadow').ruleId).toBe('roots');
    expect(evaluatePath([], '/tmp').reason).toContain('none are configured');
  });

  it.each([
    ['relative', 'home/pi/x'],
    ['empty', ''],
    ['dot-dot', '/home/pi/../../etc/shadow'],
    ['trailing dot-dot', '/home/pi/..'],
    ['dot', '/home/pi/./x'],
    ['double slash', '/home//pi'],
    ['trailing slash', '/home/pi/'],
    ['NUL', '/home/pi/a\0b'],
    ['too long', `/home/pi/${'a'.repeat(5000)}`],
  ])('denies a non-canonical path (%s) as roots.invalid_path', (_name, path) => {
    expect(evaluatePath(roots, path)).toMatchObject({ decision: 'deny', ruleId: 'roots.invalid_path' });
  });

  it('measures length in bytes, not characters', () => {
    const twoByte = `/${'é'.repeat(2048)}`; // 2049 chars, 4097 bytes
    expect(evaluatePath(['/'], twoByte).ruleId).toBe('roots.invalid_path');
    expect(evaluatePath(['/'], `/${'a'.repeat(4094)}`).decision).toBe('allow');
  });

  it('refuses a path of exactly 4096 bytes: PATH_MAX counts the terminating NUL', () => {
    const exact = `/${'a'.repeat(4095)}`;
    expect(evaluatePath(['/'], exact)).toMatchObject({ decision: 'deny', ruleId: 'roots.invalid_path' });
    expect(requestedPathDenial(exact)?.reason).toContain(
      'is 4096 bytes or longer; a path must be absolute, without NUL, and shorter than 4096 bytes',
    );
    expect(requestedPathDenial(`/${'a'.repeat(4094)}`)).toBeUndefined();
  });

  it('keeps reasons short and printable', () => {
    const { reason } = evaluatePath(roots, `/home/pi/${'a'.repeat(5000)}\n`);
    expect(reason.length).toBeLessThan(200);
    expect(evaluatePath(roots, '/home/pi/a\0b').reason).not.toContain('\0');
  });
});

describe('canonicalPathProblem', () => {
  it('accepts canonical paths', () => {
    expect(canonicalPathProblem('/')).toBeUndefined();
    expect(canonicalPathProblem('/a/b.c/..d/e.')).toBeUndefined();
  });

  it('names the problem', () => {
    expect(canonicalPathProblem('a')).toBe('is not absolute');
    expect(canonicalPathProblem('/a/../b')).toBe("contains a '..' component");
    expect(canonicalPathProblem('/a//b')).toBe('contains //');
  });
});

describe('requestedPathDenial', () => {
  it('refuses what no canonicalisation can make valid, by roots.invalid_path', () => {
    for (const path of ['etc/passwd', '', '~/x', '/tmp/a\0/../../etc', `/${'a'.repeat(4096)}`]) {
      expect(requestedPathDenial(path), JSON.stringify(path.slice(0, 20))).toMatchObject({
        decision: 'deny',
        ruleId: 'roots.invalid_path',
      });
    }
    expect(requestedPathDenial('rel')?.reason).toContain('is not absolute');
  });

  it('leaves everything else to canonicalisation and evaluatePath', () => {
    for (const path of ['/', '/tmp/../etc', '//x/./y/', `/${'a'.repeat(4094)}`, '/home/pi/\n']) {
      expect(requestedPathDenial(path)).toBeUndefined();
    }
  });
});
