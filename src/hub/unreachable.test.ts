import { describe, expect, it } from 'vitest';
import { FleetError } from '../errors/index.js';
import { isUnreachable } from './unreachable.js';

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });

describe('isUnreachable', () => {
  it.each([
    [refused(), true],
    [new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ENOTFOUND' }) }), true],
    [new Error('timeout'), false],
    [Object.assign(new Error('denied'), { code: 'EACCES' }), false],
    ['ECONNREFUSED', false],
    [null, false],
  ])('%s → %s', (error, expected) => {
    expect(isUnreachable(error)).toBe(expected);
  });

  it('trusts a connector that already classified the error', () => {
    expect(isUnreachable(new FleetError('UNAVAILABLE', 'gone', { unreachable: true }))).toBe(true);
    expect(isUnreachable(new FleetError('UNAVAILABLE', 'no credential'))).toBe(false);
  });

  it('stops on cyclic causes', () => {
    const a: { cause?: unknown } = {};
    a.cause = { cause: a };
    expect(isUnreachable(a)).toBe(false);
  });
});
