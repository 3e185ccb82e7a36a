import type { IncomingMessage } from 'node:http';
import type { Env } from '../../src/env';

/** The origin browsers use for this app: FLIGHTDECK_PUBLIC_URL, else http(s)://HOST:PORT. */
export function appOrigin(env: Env, tls: boolean): string {
  if (env.FLIGHTDECK_PUBLIC_URL) return new URL(env.FLIGHTDECK_PUBLIC_URL).origin;
  const host = env.HOST.includes(':') ? `[${env.HOST}]` : env.HOST;
  return `${tls ? 'https' : 'http'}://${host}:${env.PORT}`;
}

/**
 * Origins allowed to open sockets and change state: the app's own, its
 * loopback aliases when it listens on loopback (127.0.0.1 and localhost name
 * the same server), and FLIGHTDECK_ALLOWED_ORIGINS.
 */
export function allowedOrigins(env: Env, tls: boolean): string[] {
  const own = appOrigin(env, tls);
  const origins = new Set([own, ...env.FLIGHTDECK_ALLOWED_ORIGINS]);
  if (!env.FLIGHTDECK_PUBLIC_URL && isLoopback(env.HOST)) {
    const scheme = tls ? 'https' : 'http';
    for (const name of ['127.0.0.1', 'localhost', '[::1]'])
      origins.add(`${scheme}://${name}:${env.PORT}`);
  }
  return [...origins];
}

export function isLoopback(host: string): boolean {
  const h = host.trim().toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * A browser always sends Origin on cross-site requests that change state and on
 * WebSocket handshakes. A request without one comes from a script (curl, an API
 * token): it carries no ambient browser credentials to abuse.
 */
export function originAllowed(req: IncomingMessage, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  return allowed.includes(origin);
}
