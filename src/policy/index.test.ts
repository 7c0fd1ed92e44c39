import { describe, expect, it } from 'vitest';
import * as policy from './index.js';

describe('policy index', () => {
  it('exports the public functions and schema by name', () => {
    expect(Object.keys(policy).sort()).toEqual([
      'PolicySchema',
      'canonicalPathProblem',
      'checkArgv',
      'evaluateExec',
      'evaluatePath',
      'evaluateTool',
      'isSafeChar',
      'parseCommandLine',
      'requestedPathDenial',
      'resolveOutputCap',
      'resolveTimeoutMs',
    ]);
  });
});
