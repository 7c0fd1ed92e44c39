import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

const LOCAL_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

/** The hostname part of a Host header (`name:port`, `[v6]:port`). */
function hostnameOf(hostHeader: string): string {
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1);
  return hostHeader.split(':')[0] ?? '';
}

/**
 * Whether a Host header is an authority a URL can be built from (`name`, `name:port`,
 * `[v6]:port`; a port of at most 65535; no userinfo, path or whitespace). The SDK builds the
 * request URL from it, so a malformed one (`127.0.0.1:-1`, `[::1`) would throw inside the
 * handler and surface as a 500 instead of the 400 HTTP prescribes.
 */
export function isWellFormedHost(host: string): boolean {
  if (host === '' || /[\s/?#@\\]/.test(host)) return false;
  try {
    const url = new URL(`http://${host}/`);
    return url.host !== '' && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

export interface GuardOptions {
  /** The server listens on loopback only: Host must name loopback (DNS-rebinding defence). */
  loopbackOnly: boolean;
  allowedHosts: readonly string[];
  allowedOrigins: readonly string[];
}

/**
 * Host and Origin checks for a request, in front of auth. A browser page on another origin
 * must not drive the agent (403), and on a loopback bind a Host other than loopback means a
 * DNS-rebinding attempt. Clients that are not browsers send no Origin and pass.
 */
export function checkRequest(req: IncomingMessage, options: GuardOptions): string | undefined {
  const host = req.headers.host ?? '';
  const hostname = hostnameOf(host).toLowerCase();
  if (options.allowedHosts.length > 0) {
    if (!options.allowedHosts.includes(hostname) && !LOCAL_NAMES.has(hostname))
      return `Host ${hostname} not allowed`;
  } else if (options.loopbackOnly && !isLoopbackHost(hostname)) {
    return `Host ${hostname || '(none)'} not allowed`;
  }
  const origin = req.headers.origin;
  if (origin !== undefined) {
    if (options.allowedOrigins.includes(origin)) return undefined;
    let originHost: string;
    try {
      originHost = new URL(origin).hostname;
    } catch {
      return 'malformed Origin';
    }
    if (!isLoopbackHost(originHost)) return `Origin ${origin} not allowed`;
  }
  return undefined;
}
