import { describe, expect, it } from 'vitest';
import { FleetError } from '../errors/index.js';
import type { TargetUniverse } from './targets.js';
import { MAX_GROUP_DEPTH, MAX_TERMS, matchGlob, parseGlob, resolveTargets } from './targets.js';

const universe: TargetUniverse = {
  devices: [
    { name: 'pi-1', tags: ['pi', 'garage'] },
    { name: 'pi-2', tags: ['pi'] },
    { name: 'pi-10', tags: ['pi', 'lab'] },
    { name: 'nas', tags: ['storage', 'lab'] },
    { name: 'router', tags: ['net'] },
    { name: 'cabin/pi-1', tags: ['pi', 'remote'] },
    { name: 'cabin/cam', tags: ['remote'] },
  ],
  groups: {
    home: ['pi-*', 'nas', 'router', '!cabin/*'],
    remote: ['tag:remote'],
    everything: ['group:home', 'group:remote'],
    labpis: ['tag:pi', '&tag:lab'],
    notpis: ['!tag:pi'],
  },
};

/** Runs resolveTargets expecting INVALID_TARGETS; returns the problems it reported. */
function problemsOf(expression: string, u: TargetUniverse = universe): string[] {
  try {
    resolveTargets(expression, u);
  } catch (error) {
    expect(error).toBeInstanceOf(FleetError);
    const fleet = error as FleetError;
    expect(fleet.code).toBe('INVALID_TARGETS');
    expect(fleet.data.expression).toBe(expression);
    const problems = fleet.data.problems as string[];
    expect(fleet.message).toBe(problems.join('; '));
    return problems;
  }
  throw new Error(`expected "${expression}" to be rejected`);
}

describe('resolveTargets: terms', () => {
  it('resolves all and * to every device in universe order', () => {
    const every = universe.devices.map((d) => d.name);
    expect(resolveTargets('all', universe)).toEqual(every);
    expect(resolveTargets('*', universe)).toEqual(every);
  });

  it('resolves exact names and keeps universe order whatever the expression order', () => {
    expect(resolveTargets('router, pi-1', universe)).toEqual(['pi-1', 'router']);
    expect(resolveTargets('cabin/pi-1', universe)).toEqual(['cabin/pi-1']);
  });

  it('drops duplicates', () => {
    expect(resolveTargets('pi-1,pi-1,tag:garage,pi-*', universe)).toEqual(['pi-1', 'pi-2', 'pi-10']);
  });

  it('matches globs against the whole name, with * crossing /', () => {
    expect(resolveTargets('pi-*', universe)).toEqual(['pi-1', 'pi-2', 'pi-10']);
    expect(resolveTargets('pi-?', universe)).toEqual(['pi-1', 'pi-2']);
    expect(resolveTargets('cabin/*', universe)).toEqual(['cabin/pi-1', 'cabin/cam']);
    expect(resolveTargets('*pi-1', universe)).toEqual(['pi-1', 'cabin/pi-1']);
    expect(resolveTargets('pi-[12]', universe)).toEqual(['pi-1', 'pi-2']);
    expect(resolveTargets('pi-[!1]', universe)).toEqual(['pi-2']);
    expect(resolveTargets('[a-n]*', universe)).toEqual(['nas', 'cabin/pi-1', 'cabin/cam']);
  });

  it('resolves tags', () => {
    expect(resolveTargets('tag:lab', universe)).toEqual(['pi-10', 'nas']);
    expect(resolveTargets('tag:remote,tag:net', universe)).toEqual(['router', 'cabin/pi-1', 'cabin/cam']);
  });

  it('treats a glob or tag that matches nothing as empty, not an error', () => {
    expect(resolveTargets('tag:nope', universe)).toEqual([]);
    expect(resolveTargets('web-*', universe)).toEqual([]);
    expect(resolveTargets('web-*, nas', universe)).toEqual(['nas']);
  });

  it('ignores whitespace around terms and after prefixes', () => {
    expect(resolveTargets('  pi-1 ,\tnas  ', universe)).toEqual(['pi-1', 'nas']);
    expect(resolveTargets('pi-*, ! pi-2', universe)).toEqual(['pi-1', 'pi-10']);
  });
});

describe('resolveTargets: exclusion and intersection', () => {
  it('subtracts ! terms from the union', () => {
    expect(resolveTargets('tag:pi,!pi-10', universe)).toEqual(['pi-1', 'pi-2', 'cabin/pi-1']);
  });

  it('intersects & terms with the union', () => {
    expect(resolveTargets('tag:pi,&tag:remote', universe)).toEqual(['cabin/pi-1']);
    expect(resolveTargets('pi-*,cabin/*,&tag:pi,!pi-2', universe)).toEqual(['pi-1', 'pi-10', 'cabin/pi-1']);
  });

  it('starts from every device when there are only ! and & terms', () => {
    expect(resolveTargets('!tag:pi', universe)).toEqual(['nas', 'router', 'cabin/cam']);
    expect(resolveTargets('&tag:lab', universe)).toEqual(['pi-10', 'nas']);
    expect(resolveTargets('&tag:lab,!nas', universe)).toEqual(['pi-10']);
  });

  it('applies exclusion regardless of term order', () => {
    expect(resolveTargets('!pi-1,tag:garage', universe)).toEqual([]);
  });

  it('may resolve to nothing', () => {
    expect(resolveTargets('all,!all', universe)).toEqual([]);
    expect(resolveTargets('tag:net,&tag:pi', universe)).toEqual([]);
  });
});

describe('resolveTargets: groups', () => {
  it('expands a group as a sub-expression, with its own ! terms', () => {
    expect(resolveTargets('group:home', universe)).toEqual(['pi-1', 'pi-2', 'pi-10', 'nas', 'router']);
  });

  it('evaluates & inside a group before the outer expression sees it', () => {
    expect(resolveTargets('group:labpis', universe)).toEqual(['pi-10']);
    expect(resolveTargets('group:labpis,nas', universe)).toEqual(['pi-10', 'nas']);
  });

  it('starts a group with only ! members from every device', () => {
    expect(resolveTargets('group:notpis', universe)).toEqual(['nas', 'router', 'cabin/cam']);
  });

  it('nests groups and combines them with outer operators', () => {
    expect(resolveTargets('group:everything', universe)).toEqual(universe.devices.map((d) => d.name));
    expect(resolveTargets('group:everything,!group:remote', universe)).toEqual([
      'pi-1',
      'pi-2',
      'pi-10',
      'nas',
      'router',
    ]);
    expect(resolveTargets('all,&group:remote', universe)).toEqual(['cabin/pi-1', 'cabin/cam']);
  });

  it('reports a cycle, naming it', () => {
    const cyclic: TargetUniverse = {
      devices: universe.devices,
      groups: { a: ['pi-1', 'group:b'], b: ['group:c'], c: ['group:a'], d: ['group:d'] },
    };
    expect(problemsOf('group:a', cyclic)).toEqual(['group cycle: group:a → group:b → group:c → group:a']);
    expect(problemsOf('group:d', cyclic)).toEqual(['group cycle: group:d → group:d']);
  });

  it('allows nesting to the depth limit and rejects one more', () => {
    const chain = (levels: number): TargetUniverse => {
      const groups: Record<string, string[]> = {};
      for (let i = 1; i < levels; i++) groups[`g${i}`] = [`group:g${i + 1}`];
      groups[`g${levels}`] = ['nas'];
      return { devices: universe.devices, groups };
    };
    expect(resolveTargets('group:g1', chain(MAX_GROUP_DEPTH))).toEqual(['nas']);
    expect(problemsOf('group:g1', chain(MAX_GROUP_DEPTH + 1))).toEqual([
      `group:g1 nests groups more than ${MAX_GROUP_DEPTH} levels deep`,
    ]);
    // A chain far past the limit is cut off, not walked to the bottom.
    expect(problemsOf('group:g1', chain(5000))).toHaveLength(1);
  });

  it('measures depth the same whichever path reaches a shared group first', () => {
    const groups: Record<string, string[]> = { top: ['group:g1'] };
    for (let i = 1; i < MAX_GROUP_DEPTH; i++) groups[`g${i}`] = [`group:g${i + 1}`];
    groups[`g${MAX_GROUP_DEPTH}`] = ['nas'];
    const u: TargetUniverse = { devices: universe.devices, groups };
    // g1 alone is exactly at the limit; through `top` it is one level too deep.
    expect(resolveTargets(`group:g${MAX_GROUP_DEPTH - 1},group:g1`, u)).toEqual(['nas']);
    expect(problemsOf('group:g1,group:top', u)).toEqual([
      `group:top nests groups more than ${MAX_GROUP_DEPTH} levels deep`,
    ]);
  });

  it('does not blow up on a group graph that would be exponential without memoising', () => {
    const groups: Record<string, string[]> = {};
    for (let i = 0; i < MAX_GROUP_DEPTH - 1; i++) {
      groups[`d${i}`] = [`group:d${i + 1}`, `group:d${i + 1}`, `group:d${i + 1}`, `group:d${i + 1}`];
    }
    groups[`d${MAX_GROUP_DEPTH - 1}`] = ['pi-*'];
    expect(resolveTargets('group:d0', { devices: universe.devices, groups })).toEqual([
      'pi-1',
      'pi-2',
      'pi-10',
    ]);
  });

  it('reports problems inside a group with the group named, once', () => {
    const u: TargetUniverse = { devices: universe.devices, groups: { lab: ['nas', 'pi-9'] } };
    expect(problemsOf('group:lab,group:lab,&group:lab', u)).toEqual(['unknown device "pi-9" in group:lab']);
  });
});

describe('resolveTargets: problems', () => {
  it('reports every problem at once', () => {
    expect(problemsOf('pi-9, group:lab, nas, ,tag:')).toEqual([
      'unknown device "pi-9"',
      'unknown group "lab"',
      'empty term at position 4',
      'empty tag in "tag:"',
    ]);
  });

  it('rejects an empty or blank expression', () => {
    expect(problemsOf('')).toEqual(['empty target expression']);
    expect(problemsOf('   ')).toEqual(['empty target expression']);
  });

  it('rejects empty terms, including a trailing comma and a bare prefix', () => {
    expect(problemsOf('nas,')).toEqual(['empty term at position 2']);
    expect(problemsOf('nas,!')).toEqual(['empty term after "!" at position 2']);
    expect(problemsOf('& ')).toEqual(['empty term after "&" at position 1']);
    expect(problemsOf('group:')).toEqual(['empty group name in "group:"']);
  });

  it('rejects a doubled prefix', () => {
    expect(problemsOf('!!pi-*')).toEqual(['invalid term "!pi-*": one ! or & prefix per term']);
  });

  it('rejects a malformed bracket class instead of matching nothing', () => {
    expect(problemsOf('pi-[12')).toEqual(['invalid glob "pi-[12" (unclosed or empty [...])']);
    expect(problemsOf('pi-[]')).toEqual(['invalid glob "pi-[]" (unclosed or empty [...])']);
  });

  it('hints at group: when a bare name is a group', () => {
    expect(problemsOf('home')).toEqual(['unknown device "home" (did you mean group:home?)']);
  });

  it('is case-sensitive and does not treat other colons as operators', () => {
    expect(problemsOf('NAS')).toEqual(['unknown device "NAS"']);
    expect(problemsOf('host:nas')).toEqual(['unknown device "host:nas"']);
  });

  it('does not resolve inherited object keys as groups', () => {
    expect(problemsOf('group:constructor,group:__proto__')).toEqual([
      'unknown group "constructor"',
      'unknown group "__proto__"',
    ]);
  });

  it('bounds expression length and term count before evaluating', () => {
    expect(problemsOf('x'.repeat(4097))).toEqual(['target expression is longer than 4096 characters']);
    expect(problemsOf(Array.from({ length: MAX_TERMS + 1 }, () => 'nas').join(','))).toEqual([
      `target expression has more than ${MAX_TERMS} terms`,
    ]);
    expect(resolveTargets(Array.from({ length: MAX_TERMS }, () => 'nas').join(','), universe)).toEqual([
      'nas',
    ]);
  });
});

describe('glob matcher', () => {
  const match = (pattern: string, name: string) => {
    const tokens = parseGlob(pattern);
    if (tokens === undefined) throw new Error(`bad pattern ${pattern}`);
    return matchGlob(tokens, name);
  };

  it('matches literally everything except the glob characters', () => {
    expect(match('a.b', 'a.b')).toBe(true);
    expect(match('a.b', 'axb')).toBe(false);
    expect(match('a+', 'aa')).toBe(false);
    expect(match('(a|b)', 'a')).toBe(false);
    expect(match('(a|b)', '(a|b)')).toBe(true);
  });

  it('anchors at both ends', () => {
    expect(match('pi', 'pi-1')).toBe(false);
    expect(match('pi*', 'pi-1')).toBe(true);
    expect(match('*1', 'pi-10')).toBe(false);
  });

  it('handles stars anywhere, including several and empty spans', () => {
    expect(match('*', '')).toBe(true);
    expect(match('**', 'abc')).toBe(true);
    expect(match('a*b*c', 'abc')).toBe(true);
    expect(match('a*b*c', 'axxbyyc')).toBe(true);
    expect(match('a*b*c', 'axxbyy')).toBe(false);
    expect(match('*a*a*a', 'aaa')).toBe(true);
    expect(match('*ab', 'aab')).toBe(true);
  });

  it('supports ranges, negation and literal dashes in classes', () => {
    expect(match('[a-c]', 'b')).toBe(true);
    expect(match('[c-a]', 'b')).toBe(true);
    expect(match('[^a-c]', 'b')).toBe(false);
    expect(match('[!a-c]', 'd')).toBe(true);
    expect(match('x[-.]y', 'x-y')).toBe(true);
    expect(match('x[.-]y', 'x-y')).toBe(true);
    expect(match('x[.-]y', 'x_y')).toBe(false);
  });

  it('stays fast on patterns that make backtracking regexes explode', () => {
    const pattern = `${'*a'.repeat(100)}b`;
    const name = 'a'.repeat(4000);
    // With a naive backtracking matcher this would not finish; here it is pattern × name steps.
    expect(match(pattern, name)).toBe(false);
  });
});
