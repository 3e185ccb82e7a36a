import { findActiveApiToken, getUserWithAccess, type AccessGrant } from '@flightdeck/db';
import { capAccess, Role, type Principal } from '@flightdeck/domain';
import type { Engine } from '../engine';
import type { Auth } from './auth';
import { API_TOKEN_PREFIX, sha256 } from './secrets';

/** A grant as stored (roles as text) → the roles and teams a principal holds; unknown roles are dropped. */
export function grantToAccess(grant: AccessGrant): Pick<Principal, 'roles' | 'teams'> {
  const roles = grant.roles.flatMap((r) => {
    const parsed = Role.safeParse(r);
    return parsed.success ? [parsed.data] : [];
  });
  return { roles, teams: grant.allTeams ? 'all' : [...grant.teamIds] };
}

/** `Authorization: Bearer fdt_…` → the token, or undefined when the header carries none. */
export function bearerToken(headers: Headers): string | undefined {
  const header = headers.get('authorization');
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match?.[1];
}

/**
 * Who is calling, from the server's records only: an API token
 * (`Authorization: Bearer`) or the session cookie. Looked up in PostgreSQL on
 * every call (no cache), so a revoked token, a removed or deactivated user or
 * a signed-out session stops working at once. A token acts with at most what
 * its creator holds now. Null when neither is valid.
 */
export async function resolvePrincipal(
  engine: Engine,
  auth: Auth,
  headers: Headers,
): Promise<Principal | null> {
  const bearer = bearerToken(headers);
  if (bearer !== undefined) {
    // A request that presents a token is judged by the token alone.
    if (!bearer.startsWith(API_TOKEN_PREFIX)) return null;
    // Refused when revoked, expired, or its creator is deactivated; capped by what its creator holds now.
    const token = await findActiveApiToken(engine.db, sha256(bearer));
    if (!token) return null;
    const access = capAccess(grantToAccess(token.creator), grantToAccess(token));
    if (access.roles.length === 0) return null;
    return {
      actor: { kind: 'token', id: `${token.name}#${token.id.slice(0, 8)}` },
      roles: [...access.roles],
      teams: access.teams === 'all' ? 'all' : [...access.teams],
    };
  }
  if (!headers.get('cookie')) return null;
  const session = await auth.api.getSession({ headers, query: { disableCookieCache: true } });
  if (!session) return null;
  const user = await getUserWithAccess(engine.db, session.user.id);
  if (!user || user.deactivatedAt) return null;
  return { actor: { kind: 'user', id: user.email }, ...grantToAccess(user) };
}
