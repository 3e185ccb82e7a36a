import { randomUUID } from 'node:crypto';
import { type AuditEntryInput, DomainError, type JsonValue } from '@flightdeck/domain';
import type pg from 'pg';
import { appendAuditEntry } from '../audit/audit-store';
import type { Db } from '../client';
import { inTransaction } from '../transaction';

/**
 * Flightdeck's side of accounts: who may do what (roles and teams), invitations,
 * API tokens and the first-run setup token. Better Auth owns `user`, `session`,
 * `account` and `verification`; this module writes them only to create, remove
 * or sign out a user. Secrets are stored as sha256 hashes.
 *
 * Every change here is a governance act: it is written with its audit entry in
 * one PostgreSQL transaction (`appendAuditEntry`), so a change never lands
 * without its entry, and an entry that cannot be written undoes the change.
 * Callers give the entry's actor and action; the repository adds the target
 * and the detail (what changed, never a secret).
 */

export interface AccessGrant {
  roles: string[];
  allTeams: boolean;
  teamIds: string[];
}

export interface UserWithAccess extends AccessGrant {
  id: string;
  name: string;
  email: string;
  createdAt: Date;
  /** Set while the user is deactivated. */
  deactivatedAt: Date | null;
}

/** What the caller says about an audited change: who did it, and what kind of act it was. */
export type AuditOf = Pick<AuditEntryInput, 'actor' | 'action'> & {
  detail?: Record<string, JsonValue>;
};

/** A grant as the audit trail shows it. */
export function grantDetail(grant: AccessGrant): { roles: string[]; teams: 'all' | string[] } {
  return { roles: [...grant.roles], teams: grant.allTeams ? 'all' : [...grant.teamIds] };
}

async function audit(
  client: pg.PoolClient,
  of: AuditOf,
  target: AuditEntryInput['target'],
  detail: Record<string, JsonValue>,
): Promise<void> {
  await appendAuditEntry(client, {
    actor: of.actor,
    action: of.action,
    target,
    detail: { ...detail, ...(of.detail ?? {}) },
  });
}

// --- users -------------------------------------------------------------------

export async function getUserWithAccess(db: Db, userId: string): Promise<UserWithAccess | null> {
  const user = await db.prisma.user.findUnique({
    where: { id: userId },
    include: { access: true },
  });
  if (!user) return null;
  return toUserWithAccess(user);
}

export async function listUsersWithAccess(db: Db): Promise<UserWithAccess[]> {
  const users = await db.prisma.user.findMany({
    include: { access: true },
    orderBy: { createdAt: 'asc' },
  });
  return users.map(toUserWithAccess);
}

function toUserWithAccess(user: {
  id: string;
  name: string;
  email: string;
  createdAt: Date;
  access: {
    roles: string[];
    allTeams: boolean;
    teamIds: string[];
    deactivatedAt: Date | null;
  } | null;
}): UserWithAccess {
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    createdAt: user.createdAt,
    roles: user.access?.roles ?? [],
    allTeams: user.access?.allTeams ?? false,
    teamIds: user.access?.teamIds ?? [],
    deactivatedAt: user.access?.deactivatedAt ?? null,
  };
}

/** Admins who can act: deactivated ones do not count. */
export async function countAdmins(db: Db): Promise<number> {
  return db.prisma.userAccess.count({ where: { roles: { has: 'admin' }, deactivatedAt: null } });
}

export async function findUserIdByEmail(db: Db, email: string): Promise<string | null> {
  const user = await db.prisma.user.findUnique({ where: { email }, select: { id: true } });
  return user?.id ?? null;
}

export interface NewPasswordUser extends AccessGrant {
  id: string;
  name: string;
  email: string;
  /** A hash made by Better Auth's password hasher (scrypt). */
  passwordHash: string;
  accountId: string;
}

/**
 * A user who signs in with email and password, with their access and the
 * audit entry of their creation (`user.created`, `invitation.accepted`), in
 * one transaction. `alsoInTransaction` runs in it before the entry (to spend
 * the setup link or the invitation): if it throws, nothing is created.
 */
export async function insertPasswordUser(
  db: Db,
  user: NewPasswordUser,
  options: {
    audit: AuditOf & { target?: AuditEntryInput['target'] };
    alsoInTransaction?: (client: pg.PoolClient) => Promise<void>;
  },
): Promise<void> {
  await inTransaction(db.pool, async (client) => {
    const now = new Date();
    try {
      await client.query(
        `INSERT INTO "user" (id, name, email, "emailVerified", "createdAt", "updatedAt")
         VALUES ($1, $2, $3, false, $4, $4)`,
        [user.id, user.name, user.email, now],
      );
    } catch (error) {
      if ((error as { code?: string }).code === '23505')
        throw new DomainError('CONFLICT', `An account for ${user.email} exists already`);
      throw error;
    }
    await client.query(
      `INSERT INTO account (id, "accountId", "providerId", "userId", password, "createdAt", "updatedAt")
       VALUES ($1, $2, 'credential', $2, $3, $4, $4)`,
      [user.accountId, user.id, user.passwordHash, now],
    );
    await client.query(
      `INSERT INTO user_access (user_id, roles, all_teams, team_ids, updated_at)
       VALUES ($1, $2, $3, $4, $5)`,
      [user.id, user.roles, user.allTeams, user.teamIds, now],
    );
    if (options.alsoInTransaction) await options.alsoInTransaction(client);
    await audit(
      client,
      options.audit,
      { ...(options.audit.target ?? {}), userId: user.id },
      { email: user.email, name: user.name, ...grantDetail(user) },
    );
  });
}

interface LockedAccess extends AccessGrant {
  email: string;
  deactivatedAt: Date | null;
}

/**
 * Locks a user's access row for this transaction, after the lock every change
 * to the set of admins takes first, so "at least one admin" cannot be broken
 * by two changes at once.
 */
async function lockAccess(client: pg.PoolClient, userId: string): Promise<LockedAccess> {
  await client.query(`SELECT pg_advisory_xact_lock(hashtext('flightdeck.user_access'))`);
  const result = await client.query<{
    email: string;
    roles: string[];
    all_teams: boolean;
    team_ids: string[];
    deactivated_at: Date | null;
  }>(
    `SELECT u.email, a.roles, a.all_teams, a.team_ids, a.deactivated_at
       FROM user_access a JOIN "user" u ON u.id = a.user_id
      WHERE a.user_id = $1
        FOR UPDATE OF a`,
    [userId],
  );
  const row = result.rows[0];
  if (!row) throw new DomainError('NOT_FOUND', 'No such user');
  return {
    email: row.email,
    roles: row.roles,
    allTeams: row.all_teams,
    teamIds: row.team_ids,
    deactivatedAt: row.deactivated_at,
  };
}

/** Refuses a change that would leave no active admin (call after lockAccess). */
async function assertAnotherActiveAdmin(client: pg.PoolClient, userId: string): Promise<void> {
  const others = await client.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM user_access
      WHERE 'admin' = ANY(roles) AND deactivated_at IS NULL AND user_id <> $1`,
    [userId],
  );
  if (Number(others.rows[0]?.n ?? 0) === 0)
    throw new DomainError('CONFLICT', 'Flightdeck needs at least one active admin');
}

const isActiveAdmin = (access: LockedAccess) =>
  access.roles.includes('admin') && access.deactivatedAt === null;

/** Changes a user's roles and teams (`user.access_changed`, with before and after). */
export async function updateUserAccess(
  db: Db,
  userId: string,
  grant: AccessGrant,
  auditOf: AuditOf,
): Promise<void> {
  await inTransaction(db.pool, async (client) => {
    const before = await lockAccess(client, userId);
    if (isActiveAdmin(before) && !grant.roles.includes('admin'))
      await assertAnotherActiveAdmin(client, userId);
    await client.query(
      `UPDATE user_access SET roles = $2, all_teams = $3, team_ids = $4, updated_at = now()
        WHERE user_id = $1`,
      [userId, grant.roles, grant.allTeams, grant.teamIds],
    );
    await audit(
      client,
      auditOf,
      { userId },
      { email: before.email, before: grantDetail(before), after: grantDetail(grant) },
    );
  });
}

/**
 * Deactivates a user (`user.deactivated`): their sessions are deleted (signed
 * out at once), they cannot sign in and their API tokens are refused until
 * they are reactivated (`user.reactivated`). Their account is kept.
 */
export async function setUserDeactivated(
  db: Db,
  userId: string,
  deactivated: boolean,
  auditOf: AuditOf,
): Promise<void> {
  await inTransaction(db.pool, async (client) => {
    const before = await lockAccess(client, userId);
    if ((before.deactivatedAt !== null) === deactivated)
      throw new DomainError(
        'CONFLICT',
        `${before.email} is ${deactivated ? 'deactivated' : 'active'} already`,
      );
    if (deactivated && isActiveAdmin(before)) await assertAnotherActiveAdmin(client, userId);
    await client.query(
      `UPDATE user_access SET deactivated_at = ${deactivated ? 'now()' : 'NULL'}, updated_at = now()
        WHERE user_id = $1`,
      [userId],
    );
    const detail: Record<string, JsonValue> = { email: before.email };
    if (deactivated) {
      const ended = await client.query('DELETE FROM session WHERE "userId" = $1', [userId]);
      detail.sessionsEnded = ended.rowCount ?? 0;
    }
    await audit(client, auditOf, { userId }, detail);
  });
}

/**
 * Removes a user (`user.removed`): their sessions, accounts and API tokens go
 * with them (cascades), so all stop working at once.
 */
export async function deleteUser(db: Db, userId: string, auditOf: AuditOf): Promise<void> {
  await inTransaction(db.pool, async (client) => {
    const before = await lockAccess(client, userId);
    if (isActiveAdmin(before)) await assertAnotherActiveAdmin(client, userId);
    await client.query('DELETE FROM "user" WHERE id = $1', [userId]);
    await audit(client, auditOf, { userId }, { email: before.email, ...grantDetail(before) });
  });
}

// --- setup token -----------------------------------------------------------

export async function insertSetupToken(db: Db, tokenHash: string, expiresAt: Date): Promise<void> {
  await db.prisma.setupToken.create({ data: { tokenHash, expiresAt } });
}

/** Marks the setup token used if it is valid; false when unknown, used or expired. */
export async function consumeSetupToken(
  client: pg.PoolClient,
  tokenHash: string,
): Promise<boolean> {
  const result = await client.query(
    `UPDATE setup_tokens SET used_at = now()
      WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()`,
    [tokenHash],
  );
  return result.rowCount === 1;
}

export async function isSetupTokenValid(db: Db, tokenHash: string): Promise<boolean> {
  const count = await db.prisma.setupToken.count({
    where: { tokenHash, usedAt: null, expiresAt: { gt: new Date() } },
  });
  return count === 1;
}

// --- invitations -----------------------------------------------------------

export interface InvitationRecord extends AccessGrant {
  id: string;
  email: string;
  invitedBy: string;
  createdAt: Date;
  expiresAt: Date;
  acceptedAt: Date | null;
  revokedAt: Date | null;
}

const INVITATION_COLUMNS = `id, email, roles, all_teams AS "allTeams", team_ids AS "teamIds",
  invited_by AS "invitedBy", created_at AS "createdAt", expires_at AS "expiresAt",
  accepted_at AS "acceptedAt", revoked_at AS "revokedAt"`;

/** An invitation (`invitation.created`): its link's token is stored only as its hash. */
export async function insertInvitation(
  db: Db,
  invitation: AccessGrant & {
    email: string;
    tokenHash: string;
    invitedBy: string;
    expiresAt: Date;
  },
  auditOf: AuditOf,
): Promise<InvitationRecord> {
  return inTransaction(db.pool, async (client) => {
    const result = await client.query<InvitationRecord>(
      `INSERT INTO invitations (id, token_hash, email, roles, all_teams, team_ids, invited_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       RETURNING ${INVITATION_COLUMNS}`,
      [
        randomUUID(),
        invitation.tokenHash,
        invitation.email,
        invitation.roles,
        invitation.allTeams,
        invitation.teamIds,
        invitation.invitedBy,
        invitation.expiresAt,
      ],
    );
    const row = result.rows[0]!;
    await audit(
      client,
      auditOf,
      { invitationId: row.id },
      {
        email: row.email,
        ...grantDetail(row),
        expiresAt: row.expiresAt.toISOString(),
      },
    );
    return row;
  });
}

export async function listPendingInvitations(db: Db): Promise<InvitationRecord[]> {
  const rows = await db.prisma.invitation.findMany({
    where: { acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
    orderBy: { createdAt: 'desc' },
  });
  return rows.map(toInvitation);
}

export async function findValidInvitation(
  db: Db,
  tokenHash: string,
): Promise<InvitationRecord | null> {
  const row = await db.prisma.invitation.findFirst({
    where: { tokenHash, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
  });
  return row ? toInvitation(row) : null;
}

/** Marks the invitation accepted if it is still valid (single use). */
export async function acceptInvitation(client: pg.PoolClient, id: string): Promise<boolean> {
  const result = await client.query(
    `UPDATE invitations SET accepted_at = now()
      WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()`,
    [id],
  );
  return result.rowCount === 1;
}

/** Revokes a pending invitation (`invitation.revoked`); NOT_FOUND when none is pending with this id. */
export async function revokeInvitation(db: Db, id: string, auditOf: AuditOf): Promise<void> {
  await inTransaction(db.pool, async (client) => {
    const result = await client.query<{ email: string }>(
      `UPDATE invitations SET revoked_at = now()
        WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL
        RETURNING email`,
      [id],
    );
    const row = result.rows[0];
    if (!row) throw new DomainError('NOT_FOUND', 'No pending invitation with this id');
    await audit(client, auditOf, { invitationId: id }, { email: row.email });
  });
}

function toInvitation(row: {
  id: string;
  email: string;
  roles: string[];
  allTeams: boolean;
  teamIds: string[];
  invitedBy: string;
  createdAt: Date;
  expiresAt: Date;
  acceptedAt: Date | null;
  revokedAt: Date | null;
}): InvitationRecord {
  return {
    id: row.id,
    email: row.email,
    roles: row.roles,
    allTeams: row.allTeams,
    teamIds: row.teamIds,
    invitedBy: row.invitedBy,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    acceptedAt: row.acceptedAt,
    revokedAt: row.revokedAt,
  };
}

// --- API tokens ------------------------------------------------------------

export interface ApiTokenRecord extends AccessGrant {
  id: string;
  name: string;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const API_TOKEN_COLUMNS = `id, name, roles, all_teams AS "allTeams", team_ids AS "teamIds",
  created_by AS "createdBy", created_at AS "createdAt", expires_at AS "expiresAt",
  last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"`;

/** A token for scripts (`token.created`): stored as its hash, never as its secret. */
export async function insertApiToken(
  db: Db,
  token: AccessGrant & {
    name: string;
    tokenHash: string;
    createdBy: string;
    expiresAt: Date | null;
  },
  auditOf: AuditOf,
): Promise<ApiTokenRecord> {
  return inTransaction(db.pool, async (client) => {
    const result = await client.query<ApiTokenRecord>(
      `INSERT INTO api_tokens (id, name, token_hash, roles, all_teams, team_ids, created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       RETURNING ${API_TOKEN_COLUMNS}`,
      [
        randomUUID(),
        token.name,
        token.tokenHash,
        token.roles,
        token.allTeams,
        token.teamIds,
        token.createdBy,
        token.expiresAt,
      ],
    );
    const row = result.rows[0]!;
    await audit(
      client,
      auditOf,
      { tokenId: row.id, userId: row.createdBy },
      {
        name: row.name,
        ...grantDetail(row),
        expiresAt: row.expiresAt ? row.expiresAt.toISOString() : null,
      },
    );
    return row;
  });
}

export async function listApiTokens(db: Db): Promise<ApiTokenRecord[]> {
  const rows = await db.prisma.apiToken.findMany({ orderBy: { createdAt: 'desc' } });
  return rows.map(toApiToken);
}

/** An active token and what its creator holds now (a token is capped by it at each use). */
export interface ActiveApiToken extends ApiTokenRecord {
  creator: AccessGrant;
}

/**
 * The token if it is neither revoked nor expired and its creator is active;
 * records its use.
 */
export async function findActiveApiToken(
  db: Db,
  tokenHash: string,
): Promise<ActiveApiToken | null> {
  const now = new Date();
  const row = await db.prisma.apiToken.findFirst({
    where: {
      tokenHash,
      revokedAt: null,
      OR: [{ expiresAt: null }, { expiresAt: { gt: now } }],
      creator: { access: { is: { deactivatedAt: null } } },
    },
    include: { creator: { select: { access: true } } },
  });
  const creator = row?.creator.access;
  if (!row || !creator) return null;
  // Last use at minute resolution: one write per token per minute at most.
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
    await db.prisma.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return {
    ...toApiToken(row),
    creator: { roles: creator.roles, allTeams: creator.allTeams, teamIds: creator.teamIds },
  };
}

/** Revokes an active token (`token.revoked`); NOT_FOUND when there is none with this id. */
export async function revokeApiToken(db: Db, id: string, auditOf: AuditOf): Promise<void> {
  await inTransaction(db.pool, async (client) => {
    const result = await client.query<{ name: string; created_by: string }>(
      `UPDATE api_tokens SET revoked_at = now()
        WHERE id = $1 AND revoked_at IS NULL
        RETURNING name, created_by`,
      [id],
    );
    const row = result.rows[0];
    if (!row) throw new DomainError('NOT_FOUND', 'No active API token with this id');
    await audit(client, auditOf, { tokenId: id, userId: row.created_by }, { name: row.name });
  });
}

function toApiToken(row: {
  id: string;
  name: string;
  roles: string[];
  allTeams: boolean;
  teamIds: string[];
  createdBy: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}): ApiTokenRecord {
  return {
    id: row.id,
    name: row.name,
    roles: row.roles,
    allTeams: row.allTeams,
    teamIds: row.teamIds,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
  };
}

/** Team ids that exist among `ids` (to refuse grants on unknown teams). */
export async function existingTeamIds(db: Db, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db.prisma.team.findMany({
    where: { id: { in: [...ids] } },
    select: { id: true },
  });
  return rows.map((r) => r.id);
}

// --- sign-ins ------------------------------------------------------------------

/** Whether a user may sign in now: false for a deactivated (or unknown) user. */
export async function isUserActive(db: Db, userId: string): Promise<boolean> {
  const access = await db.prisma.userAccess.findUnique({
    where: { userId },
    select: { deactivatedAt: true },
  });
  return access !== null && access.deactivatedAt === null;
}
