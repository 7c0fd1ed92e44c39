/**
 * Tool calls in flight, by principal and JSON-RPC id, so a 2025-era `notifications/cancelled`
 * can reach its call. Legacy HTTP is served statelessly: the cancellation arrives in its own
 * POST at a fresh server instance that never saw the call, so the SDK's per-instance
 * cancellation cannot find it. Hazard: two clients sharing one token and reusing the same id
 * at the same moment could cancel each other's call; give each client its own token.
 */
export function createInFlightCalls() {
  const calls = new Map<string, AbortController>();
  const key = (principal: string, id: string | number) => `${principal}\u0000${typeof id}:${id}`;
  return {
    register(principal: string, id: string | number): { signal: AbortSignal; done(): void } {
      const k = key(principal, id);
      const controller = new AbortController();
      calls.set(k, controller);
      return {
        signal: controller.signal,
        done: () => {
          if (calls.get(k) === controller) calls.delete(k);
        },
      };
    },
    cancel(principal: string, id: string | number, reason?: string): boolean {
      const controller = calls.get(key(principal, id));
      controller?.abort(reason ?? 'cancelled by the client');
      return controller !== undefined;
    },
    get size() {
      return calls.size;
    },
  };
}

export type InFlightCalls = ReturnType<typeof createInFlightCalls>;
