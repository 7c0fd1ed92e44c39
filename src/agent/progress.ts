/** The part of an SDK request context that progress notifications need. */
export interface ProgressRequest {
  _meta?: { progressToken?: string | number };
  notify(notification: {
    method: 'notifications/progress';
    params: { progressToken: string | number; progress: number; message: string };
  }): Promise<void>;
}

/**
 * A progress callback for one request, or `undefined` when the client sent no progress token
 * (then nothing is worth computing). A client that went away makes sending fail; that is
 * ignored, as the call's own signal deals with the departure.
 */
export function progressNotifier(mcpReq: ProgressRequest): ((message: string) => void) | undefined {
  const token = mcpReq._meta?.progressToken;
  if (token === undefined) return undefined;
  let step = 0;
  return (message) => {
    step++;
    mcpReq
      .notify({ method: 'notifications/progress', params: { progressToken: token, progress: step, message } })
      .catch(() => {});
  };
}
