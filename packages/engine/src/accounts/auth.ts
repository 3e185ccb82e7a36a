import type { Db } from '@flightdeck/db';
import { betterAuth } from 'better-auth';
import { APIError, createAuthMiddleware, isAPIError } from 'better-auth/api';
import {
  canSignIn,
  CLIENT_IP_HEADER,
  recordSignedIn,
  recordSignedOut,
  recordSignInFailed,
  signInClient,
} from './sign-in-audit';

export interface AuthOptions {
  /** Better Auth keeps its tables here; sign-ins and sign-outs go to its audit trail. */
  db: Db;
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
 *
 * Audited (hooks): a session about to be created is an `account.signed_in`
 * (written first: if the entry cannot be written, no session is made), or is
 * refused for a deactivated user; an email sign-in that fails for any reason
 * is an `account.sign_in_failed` (with the email tried, never the password); a
 * session ended by sign-out is an `account.signed_out` (written before the
 * session is deleted).
 */
export function createAuth(options: AuthOptions) {
  const { db } = options;
  return betterAuth({
    appName: 'Flightdeck',
    database: db.pool,
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
    hooks: {
      after: createAuthMiddleware(async (ctx) => {
        if (ctx.path !== '/sign-in/email') return;
        const returned: unknown = ctx.context.returned;
        if (!isAPIError(returned)) return;
        const body = ctx.body as { email?: unknown } | undefined;
        const code = (returned.body as { code?: unknown } | undefined)?.code;
        await recordSignInFailed(db, {
          email: body?.email,
          reason: typeof code === 'string' ? code : String(returned.status),
          client: signInClient(ctx.headers),
        });
      }),
    },
    databaseHooks: {
      session: {
        create: {
          before: async (session, ctx) => {
            if (!(await canSignIn(db, session.userId)))
              throw new APIError('FORBIDDEN', {
                code: 'ACCOUNT_DEACTIVATED',
                message: 'This account is deactivated: ask an admin to reactivate it',
              });
            await recordSignedIn(db, {
              userId: session.userId,
              client: signInClient(ctx?.headers),
            });
          },
        },
        delete: {
          before: async (session, ctx) => {
            if (ctx?.path !== '/sign-out') return;
            await recordSignedOut(db, {
              userId: session.userId,
              client: signInClient(ctx.headers),
            });
          },
        },
      },
    },
    advanced: {
      // The web server sets this header to the connection's address (see CLIENT_IP_HEADER).
      ipAddress: { ipAddressHeaders: [CLIENT_IP_HEADER] },
      cookiePrefix: 'flightdeck',
      useSecureCookies: options.secureCookies,
      defaultCookieAttributes: { httpOnly: true, sameSite: 'lax', secure: options.secureCookies },
    },
  });
}

export type Auth = ReturnType<typeof createAuth>;
