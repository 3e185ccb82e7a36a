import type { Db } from '@flightdeck/db';
import { betterAuth } from 'better-auth';

export interface AuthOptions {
  pool: Db['pool'];
  /** Signs session cookies: at least 32 random characters, kept on the server. */
  secret: string;
  /** The app's own origin, e.g. http://127.0.0.1:3000. */
  baseURL: string;
  /** Origins whose requests may change state (sign in, sign out); the app's own is always one. */
  trustedOrigins: readonly string[];
  /** Secure cookies (served over TLS). */
  secureCookies: boolean;
}

export const AUTH_BASE_PATH = '/api/auth';
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;
const SESSION_DAYS = 7;

/**
 * Better Auth, configured for Flightdeck: email and password (scrypt), sessions
 * in PostgreSQL (no cookie cache, so every request sees a revocation at once),
 * no self sign-up (accounts come from the setup link and invitations),
 * HttpOnly SameSite=Lax cookies, Secure under TLS.
 */
export function createAuth(options: AuthOptions) {
  return betterAuth({
    appName: 'Flightdeck',
    database: options.pool,
    secret: options.secret,
    baseURL: options.baseURL,
    basePath: AUTH_BASE_PATH,
    trustedOrigins: [...options.trustedOrigins],
    emailAndPassword: {
      enabled: true,
      disableSignUp: true,
      minPasswordLength: MIN_PASSWORD_LENGTH,
      maxPasswordLength: MAX_PASSWORD_LENGTH,
    },
    session: {
      expiresIn: SESSION_DAYS * 24 * 3600,
      updateAge: 24 * 3600,
      cookieCache: { enabled: false },
    },
    // Sign-in attempts are limited by the web server (Redis, per address and per email).
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    advanced: {
      cookiePrefix: 'flightdeck',
      useSecureCookies: options.secureCookies,
      defaultCookieAttributes: { httpOnly: true, sameSite: 'lax', secure: options.secureCookies },
    },
  });
}

export type Auth = ReturnType<typeof createAuth>;
