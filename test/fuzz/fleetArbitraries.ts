import fc from 'fast-check';
import { FLEET_TOOL_FOR } from '../../src/hub/fleetTools.js';
import { weirdValue } from './jsonRpcArbitraries.js';
import { agentToolArgs, argsOf, type ToolArgContext } from './toolArbitraries.js';

/** Arbitraries for the hub's fleet tools: the agent tools' arguments plus target expressions. */

/** Target expressions for the hub: device names, globs, tags, groups and nonsense. */
export function targets(devices: readonly string[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    { arbitrary: fc.constantFrom('all', ...devices), weight: 6 },
    {
      arbitrary: fc.constantFrom(
        '*',
        'dev*',
        'tag:fuzz',
        'group:fuzzers',
        `all,!${devices[0] ?? 'x'}`,
        `${devices.join(',')}`,
        `tag:fuzz&${devices[0] ?? 'x'}`,
        'nosuch',
        'tag:nosuch',
        'group:nosuch',
        '!',
        '&',
        ',',
        ',,',
        'tag:',
        'group:',
        ' ',
        '',
        '**',
        '[',
        'a'.repeat(2000),
        'all,'.repeat(500),
      ),
      weight: 3,
    },
    { arbitrary: weirdValue, weight: 1 },
  );
}

/** Arguments of the hub's fleet tools: the agent tool's arguments plus `targets`. */
export function fleetToolArgs(
  ctx: ToolArgContext,
  devices: readonly string[],
): Record<string, fc.Arbitrary<unknown>> {
  const agent = agentToolArgs(ctx);
  const out: Record<string, fc.Arbitrary<unknown>> = {
    fleet_devices: argsOf({}, { targets: targets(devices) }),
  };
  for (const [fleetName, agentName] of Object.entries(FLEET_TOOL_FOR)) {
    const args = agent[agentName] ?? fc.constant({});
    out[fleetName] = fc
      .tuple(args, fc.option(targets(devices), { nil: undefined, freq: 8 }))
      .map(([a, t]) =>
        typeof a === 'object' && a !== null && !Array.isArray(a) && t !== undefined
          ? { ...a, targets: t }
          : a,
      );
  }
  return out;
}
