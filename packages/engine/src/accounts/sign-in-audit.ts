import { type Db, findUserIdByEmail, getUserWithAccess, recordAuditEntry } from '@flightdeck/db';
import type { JsonValue } from '@flightdeck/domain';

/**
 * Sign-ins and sign-outs on the audit trail, written from Better Auth's hooks
 * (see createAuth): `account.signed_in`, `account.sign_in_failed` (with the
 * email tried, never the password) and `account.signed_out`, each with the
 * client's address and user agent.
 */

/**
 * The header the web server sets to the address of the connection a request
 * came on, replacing whatever a client sent: the only address Flightdeck
 * believes (Better Auth reads it too, for sessions).
 */
export const CLIENT_IP_HEADER = 'x-flightdeck-client-ip';

const MAX_EMAIL = 254;
const MAX_USER_AGENT = 300;
const MAX_IP = 64;

export interface SignInClient {
  ip: string | null;
  userAgent: string | null;
}

const clip = (value: string | null | undefined, max: number): string | null =>
  value ? value.slice(0, max) : null;

/** The client of a request, as the audit trail records it. */
export function signInClient(headers: Headers | undefined | null): SignInClient {
  return {
    ip: clip(headers?.get(CLIENT_IP_HEADER), MAX_IP),
    userAgent: clip(headers?.get('user-agent'), MAX_USER_AGENT),
  };
}

function clientDetail(client: SignInClient): Record<string, JsonValue> {
  return { ip: client.ip, userAgent: client.userAgent };
}

/** Whether a user may have a session: false when deactivated or gone. */
export async function canSignIn(db: Db, userId: string): Promise<boolean> {
  const user = await getUserWithAccess(db, userId);
  return user !== null && user.deactivatedAt === null;
}

/** `account.signed_in`: a session is being created for this user. */
export async function recordSignedIn(
  db: Db,
  input: { userId: string; client: SignInClient },
): Promise<void> {
  const user = await getUserWithAccess(db, input.userId);
  await recordAuditEntry(db, {
    actor: { kind: 'user', id: user?.email ?? input.userId },
    action: 'account.signed_in',
    target: { userId: input.userId },
    detail: clientDetail(input.client),
  });
}

/**
 * `account.sign_in_failed`: by an anonymous actor (the client's address), with
 * the email tried (normalized, clipped) and why, e.g.
 * `invalid_email_or_password` or `account_deactivated`.
 */
export async function recordSignInFailed(
  db: Db,
  input: { email: unknown; reason: string; client: SignInClient },
): Promise<void> {
  const email =
    typeof input.email === 'string' ? input.email.trim().toLowerCase().slice(0, MAX_EMAIL) : '';
  const userId = email ? await findUserIdByEmail(db, email) : null;
  await recordAuditEntry(db, {
    actor: { kind: 'anonymous', id: input.client.ip ?? 'unknown' },
    action: 'account.sign_in_failed',
    target: userId ? { userId } : {},
    detail: {
      email,
      reason: input.reason.toLowerCase().slice(0, 100),
      ...clientDetail(input.client),
    },
  });
}

/** `account.signed_out`: this user's session is being ended by its browser. */
export async function recordSignedOut(
  db: Db,
  input: { userId: string; client: SignInClient },
): Promise<void> {
  const user = await getUserWithAccess(db, input.userId);
  await recordAuditEntry(db, {
    actor: { kind: 'user', id: user?.email ?? input.userId },
    action: 'account.signed_out',
    target: { userId: input.userId },
    detail: clientDetail(input.client),
  });
}
