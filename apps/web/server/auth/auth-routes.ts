import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  AUTH_BASE_PATH,
  type Auth,
  CLIENT_IP_HEADER,
  type Engine,
  hitRateLimit,
} from '@flightdeck/engine';
import { z } from 'zod';
import { HttpError, isJson, readBody, sendFetchResponse, toHeaders } from '../http/body';
import { originAllowed } from '../security/origins';

/** The only Better Auth endpoints the browser needs; every other path under /api/auth is 404. */
const ROUTES: Record<string, 'GET' | 'POST'> = {
  [`${AUTH_BASE_PATH}/sign-in/email`]: 'POST',
  [`${AUTH_BASE_PATH}/sign-out`]: 'POST',
  [`${AUTH_BASE_PATH}/get-session`]: 'GET',
};

const MAX_AUTH_BODY_BYTES = 16 * 1024;

/** Sign-in attempts: per client address, and per account (slows guessing one password). */
export const SIGN_IN_LIMITS = {
  perAddress: { name: 'sign-in:ip', limit: 30, windowMs: 60_000 },
  perEmail: { name: 'sign-in:email', limit: 10, windowMs: 5 * 60_000 },
} as const;

const SignInBody = z.object({ email: z.string().max(254) }).loose();

export function isAuthPath(pathname: string): boolean {
  return pathname === AUTH_BASE_PATH || pathname.startsWith(`${AUTH_BASE_PATH}/`);
}

/**
 * Serves Better Auth's endpoints from the custom server: allow-listed paths,
 * JSON-only bodies with a size cap, and Redis rate limits on sign-in.
 */
export async function handleAuthRequest(options: {
  req: IncomingMessage;
  res: ServerResponse;
  pathname: string;
  auth: Auth;
  engine: Engine;
  origin: string;
  /** Pages allowed to sign in and out (a foreign page must not sign a browser into an account). */
  allowedOrigins: readonly string[];
}): Promise<void> {
  const { req, res, pathname, auth, engine, origin } = options;
  const method = ROUTES[pathname];
  if (!method) throw new HttpError(404, 'Not found');
  if (req.method !== method) throw new HttpError(405, 'Method not allowed', { allow: method });

  let body: Buffer | undefined;
  if (method === 'POST') {
    if (!originAllowed(req, options.allowedOrigins)) throw new HttpError(403, 'Origin not allowed');
    if (!isJson(req)) throw new HttpError(415, 'Send JSON (Content-Type: application/json)');
    body = await readBody(req, MAX_AUTH_BODY_BYTES);
  }
  if (pathname.endsWith('/sign-in/email')) {
    let email = '';
    try {
      const parsed = SignInBody.safeParse(JSON.parse(body?.toString('utf8') ?? ''));
      if (parsed.success) email = parsed.data.email.trim().toLowerCase();
    } catch {
      throw new HttpError(400, 'Malformed JSON');
    }
    const address = req.socket.remoteAddress ?? 'unknown';
    for (const [rule, subject] of [
      [SIGN_IN_LIMITS.perAddress, address],
      [SIGN_IN_LIMITS.perEmail, email],
    ] as const) {
      const hit = await hitRateLimit(engine, rule, subject);
      if (!hit.allowed)
        throw new HttpError(429, 'Too many sign-in attempts: wait a minute and try again', {
          'retry-after': String(Math.ceil(hit.retryAfterMs / 1000)),
        });
    }
  }
  // The address is the connection's, whatever the client claims in its headers.
  const headers = toHeaders(req);
  headers.set(CLIENT_IP_HEADER, clientAddress(req));
  const request = new Request(new URL(req.url ?? pathname, origin), {
    method,
    headers,
    body: body ? new Uint8Array(body) : undefined,
  });
  await sendFetchResponse(res, await auth.handler(request));
}

/** The address the request came from, as people write it (an IPv4 address without its IPv6 mapping). */
export function clientAddress(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? 'unknown';
  return address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
}
