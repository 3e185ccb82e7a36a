import type { Db } from '../client';

/**
 * Flightdeck's side of accounts: who may do what (roles and teams), invitations,
 * API tokens and the first-run setup token. Better Auth owns `user`, `session`,
 * `account` and `verification`; this module writes them only to create a user
 * with a password hash Better Auth made. Secrets are stored as sha256 hashes.
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
}

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
  access: { roles: string[]; allTeams: boolean; teamIds: string[] } | null;
}): UserWithAccess {
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    createdAt: user.createdAt,
    roles: user.access?.roles ?? [],
    allTeams: user.access?.allTeams ?? false,
    teamIds: user.access?.teamIds ?? [],
  };
}

export async function countAdmins(db: Db): Promise<number> {
  return db.prisma.userAccess.count({ where: { roles: { has: 'admin' } } });
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

/** A user who signs in with email and password, with their access, in one transaction. */
export async function insertPasswordUser(
  db: Db,
  user: NewPasswordUser,
  alsoInTransaction?: (tx: AccountsTx) => Promise<void>,
): Promise<void> {
  await db.prisma.$transaction(async (tx) => {
    const now = new Date();
    await tx.user.create({
      data: {
        id: user.id,
        name: user.name,
        email: user.email,
        emailVerified: false,
        createdAt: now,
        updatedAt: now,
      },
    });
    await tx.account.create({
      data: {
        id: user.accountId,
        accountId: user.id,
        providerId: 'credential',
        userId: user.id,
        password: user.passwordHash,
        createdAt: now,
        updatedAt: now,
      },
    });
    await tx.userAccess.create({
      data: {
        userId: user.id,
        roles: user.roles,
        allTeams: user.allTeams,
        teamIds: user.teamIds,
      },
    });
    if (alsoInTransaction) await alsoInTransaction(tx);
  });
}

export type AccountsTx = Parameters<Parameters<Db['prisma']['$transaction']>[0]>[0];

export async function updateUserAccess(
  db: Db,
  userId: string,
  grant: AccessGrant,
): Promise<boolean> {
  const result = await db.prisma.userAccess.updateMany({
    where: { userId },
    data: { roles: grant.roles, allTeams: grant.allTeams, teamIds: grant.teamIds },
  });
  return result.count === 1;
}

/** Deleting a user deletes their sessions, accounts and API tokens (cascades): all stop working at once. */
export async function deleteUser(db: Db, userId: string): Promise<boolean> {
  const result = await db.prisma.user.deleteMany({ where: { id: userId } });
  return result.count === 1;
}

// --- setup token -----------------------------------------------------------

export async function insertSetupToken(db: Db, tokenHash: string, expiresAt: Date): Promise<void> {
  await db.prisma.setupToken.create({ data: { tokenHash, expiresAt } });
}

/** Marks the setup token used if it is valid; false when unknown, used or expired. */
export async function consumeSetupToken(tx: AccountsTx, tokenHash: string): Promise<boolean> {
  const result = await tx.setupToken.updateMany({
    where: { tokenHash, usedAt: null, expiresAt: { gt: new Date() } },
    data: { usedAt: new Date() },
  });
  return result.count === 1;
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

export async function insertInvitation(
  db: Db,
  invitation: AccessGrant & {
    email: string;
    tokenHash: string;
    invitedBy: string;
    expiresAt: Date;
  },
): Promise<InvitationRecord> {
  const row = await db.prisma.invitation.create({ data: invitation });
  return toInvitation(row);
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
export async function acceptInvitation(tx: AccountsTx, id: string): Promise<boolean> {
  const result = await tx.invitation.updateMany({
    where: { id, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
    data: { acceptedAt: new Date() },
  });
  return result.count === 1;
}

export async function revokeInvitation(db: Db, id: string): Promise<boolean> {
  const result = await db.prisma.invitation.updateMany({
    where: { id, acceptedAt: null, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  return result.count === 1;
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

export async function insertApiToken(
  db: Db,
  token: AccessGrant & {
    name: string;
    tokenHash: string;
    createdBy: string;
    expiresAt: Date | null;
  },
): Promise<ApiTokenRecord> {
  return toApiToken(await db.prisma.apiToken.create({ data: token }));
}

export async function listApiTokens(db: Db): Promise<ApiTokenRecord[]> {
  const rows = await db.prisma.apiToken.findMany({ orderBy: { createdAt: 'desc' } });
  return rows.map(toApiToken);
}

/** The token if it is neither revoked nor expired; records its use. */
export async function findActiveApiToken(
  db: Db,
  tokenHash: string,
): Promise<ApiTokenRecord | null> {
  const now = new Date();
  const row = await db.prisma.apiToken.findFirst({
    where: { tokenHash, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
  });
  if (!row) return null;
  // Last use at minute resolution: one write per token per minute at most.
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
    await db.prisma.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return toApiToken(row);
}

export async function revokeApiToken(db: Db, id: string): Promise<boolean> {
  const result = await db.prisma.apiToken.updateMany({
    where: { id, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  return result.count === 1;
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
