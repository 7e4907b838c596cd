// Who may use a Studio server: whoever has the token (random, printed in the
// URL like Jupyter's) and, for browsers, a page of the server's own origin.
// A browser always sends Origin on a WebSocket; a foreign one (another site
// in the same browser, or DNS rebinding) is refused even with the token.
// Programs (the Studio talking to an agent) send no Origin and need the token.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { parseRequestUrl } from './request-url.ts';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export interface AccessPolicy {
  token: string;
  /** Origins a browser page may have: the server's own (http://127.0.0.1:PORT, ...). */
  origins: string[];
}

export type AccessResult = { ok: true } | { ok: false; status: 401 | 403; reason: string };

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The server's own origins for a listen address (loopback also answers as localhost). */
export function ownOrigins(scheme: 'http' | 'https', host: string, port: number): string[] {
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const names = new Set([hostPart]);
  if (host === '127.0.0.1' || host === '::1') names.add('localhost');
  return [...names].map((h) => `${scheme}://${h}:${port}`);
}

/** Checks a WebSocket upgrade request against the policy. */
export function checkAccess(req: IncomingMessage, policy: AccessPolicy): AccessResult {
  const origin = req.headers.origin;
  if (origin !== undefined && !policy.origins.includes(origin))
    return {
      ok: false,
      status: 403,
      reason: `Origin ${origin} is not allowed: open the Studio at ${policy.origins[0]}`,
    };
  const token = parseRequestUrl(req.url)?.searchParams.get('token') ?? null;
  if (token === null)
    return { ok: false, status: 401, reason: 'no token: open the URL the Studio printed, token included' };
  if (!sameToken(token, policy.token))
    return { ok: false, status: 401, reason: 'wrong token: open the URL the Studio printed, token included' };
  return { ok: true };
}
