import { randomUUID } from 'node:crypto';
import {
  acceptInvitation as markInvitationAccepted,
  consumeSetupToken,
  countAdmins,
  deleteUser,
  existingTeamIds,
  findUserIdByEmail,
  findValidInvitation,
  getUserWithAccess,
  insertApiToken,
  insertInvitation,
  insertPasswordUser,
  insertSetupToken,
  isSetupTokenValid,
  listApiTokens as listApiTokenRecords,
  listPendingInvitations,
  listUsersWithAccess,
  revokeApiToken as revokeApiTokenRecord,
  revokeInvitation as revokeInvitationRecord,
  updateUserAccess,
  type AccessGrant,
  type ApiTokenRecord,
  type InvitationRecord,
  type UserWithAccess,
} from '@flightdeck/db';
import { DomainError, type Principal, type Role } from '@flightdeck/domain';
import { hashPassword } from 'better-auth/crypto';
import type { Engine } from '../engine';
import {
  API_TOKEN_PREFIX,
  INVITATION_TOKEN_PREFIX,
  newSecret,
  SETUP_TOKEN_PREFIX,
  sha256,
} from './secrets';

/** Accounts use cases: the first admin, invitations, users' roles and teams, API tokens. */

export const SETUP_TOKEN_TTL_MS = 24 * 3600_000;
export const INVITATION_TTL_MS = 7 * 24 * 3600_000;

export type TeamScope = 'all' | readonly string[];

export interface Access {
  roles: readonly Role[];
  teams: TeamScope;
}

async function toGrant(engine: Engine, access: Access): Promise<AccessGrant> {
  const roles = [...new Set(access.roles)];
  if (roles.length === 0) throw new DomainError('INVALID_INPUT', 'Give at least one role');
  if (access.teams === 'all') return { roles, allTeams: true, teamIds: [] };
  const wanted = [...new Set(access.teams)];
  const found = new Set(await existingTeamIds(engine.db, wanted));
  const missing = wanted.filter((id) => !found.has(id));
  if (missing.length) throw new DomainError('INVALID_INPUT', `No such team: ${missing.join(', ')}`);
  return { roles, allTeams: false, teamIds: wanted };
}

const normalizeEmail = (email: string) => email.trim().toLowerCase();

async function assertEmailFree(engine: Engine, email: string): Promise<void> {
  if (await findUserIdByEmail(engine.db, email))
    throw new DomainError('CONFLICT', `An account for ${email} exists already`);
}

// --- first admin -------------------------------------------------------------

/**
 * When no admin exists: a fresh one-time setup token (older unused ones are
 * dropped), to print as a link. Null when an admin exists.
 */
export async function createSetupTokenIfNoAdmin(engine: Engine): Promise<string | null> {
  if ((await countAdmins(engine.db)) > 0) return null;
  const token = newSecret(SETUP_TOKEN_PREFIX);
  await engine.db.prisma.setupToken.deleteMany({ where: { usedAt: null } });
  await insertSetupToken(engine.db, sha256(token), new Date(Date.now() + SETUP_TOKEN_TTL_MS));
  return token;
}

/** Whether the setup page may be shown for this token. */
export async function checkSetupToken(engine: Engine, token: string): Promise<boolean> {
  if ((await countAdmins(engine.db)) > 0) return false;
  return isSetupTokenValid(engine.db, sha256(token));
}

export interface NewAccount {
  name: string;
  email: string;
  password: string;
}

/** Creates the first admin (every role on every team) with the one-time setup token. */
export async function completeSetup(
  engine: Engine,
  input: NewAccount & { token: string },
): Promise<{ email: string }> {
  const email = normalizeEmail(input.email);
  if ((await countAdmins(engine.db)) > 0)
    throw new DomainError('FORBIDDEN', 'Flightdeck is set up already: sign in instead');
  await assertEmailFree(engine, email);
  const passwordHash = await hashPassword(input.password);
  const userId = randomUUID();
  await insertPasswordUser(
    engine.db,
    {
      id: userId,
      accountId: randomUUID(),
      name: input.name.trim(),
      email,
      passwordHash,
      roles: ['admin'],
      allTeams: true,
      teamIds: [],
    },
    async (tx) => {
      if (!(await consumeSetupToken(tx, sha256(input.token))))
        throw new DomainError('FORBIDDEN', 'This setup link is invalid, used or expired');
    },
  );
  return { email };
}

// --- invitations ---------------------------------------------------------------

export async function inviteUser(
  engine: Engine,
  input: Access & { email: string; by: Principal },
): Promise<{ invitation: InvitationRecord; token: string }> {
  const email = normalizeEmail(input.email);
  await assertEmailFree(engine, email);
  const grant = await toGrant(engine, input);
  const token = newSecret(INVITATION_TOKEN_PREFIX);
  const invitation = await insertInvitation(engine.db, {
    ...grant,
    email,
    tokenHash: sha256(token),
    invitedBy: input.by.actor.id,
    expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
  });
  return { invitation, token };
}

export function listInvitations(engine: Engine): Promise<InvitationRecord[]> {
  return listPendingInvitations(engine.db);
}

export async function revokeInvitation(engine: Engine, input: { id: string }): Promise<void> {
  if (!(await revokeInvitationRecord(engine.db, input.id)))
    throw new DomainError('NOT_FOUND', 'No pending invitation with this id');
}

/** What the invitation page shows: for whom and with which roles; null when invalid. */
export async function describeInvitation(
  engine: Engine,
  token: string,
): Promise<{ email: string; roles: string[] } | null> {
  const invitation = await findValidInvitation(engine.db, sha256(token));
  return invitation ? { email: invitation.email, roles: invitation.roles } : null;
}

export async function acceptInvitation(
  engine: Engine,
  input: { token: string; name: string; password: string },
): Promise<{ email: string }> {
  const invitation = await findValidInvitation(engine.db, sha256(input.token));
  if (!invitation)
    throw new DomainError('FORBIDDEN', 'This invitation is invalid, used, revoked or expired');
  await assertEmailFree(engine, invitation.email);
  const passwordHash = await hashPassword(input.password);
  await insertPasswordUser(
    engine.db,
    {
      id: randomUUID(),
      accountId: randomUUID(),
      name: input.name.trim(),
      email: invitation.email,
      passwordHash,
      roles: invitation.roles,
      allTeams: invitation.allTeams,
      teamIds: invitation.teamIds,
    },
    async (tx) => {
      if (!(await markInvitationAccepted(tx, invitation.id)))
        throw new DomainError('FORBIDDEN', 'This invitation was used or revoked meanwhile');
    },
  );
  return { email: invitation.email };
}

// --- users ---------------------------------------------------------------------

export function listUsers(engine: Engine): Promise<UserWithAccess[]> {
  return listUsersWithAccess(engine.db);
}

async function assertKeepsAnAdmin(engine: Engine, userId: string): Promise<void> {
  const user = await getUserWithAccess(engine.db, userId);
  if (!user) throw new DomainError('NOT_FOUND', 'No such user');
  if (user.roles.includes('admin') && (await countAdmins(engine.db)) <= 1)
    throw new DomainError('CONFLICT', 'Flightdeck needs at least one admin');
}

/** Changes what a user may do; their next request (and socket check) sees it. */
export async function setUserAccess(
  engine: Engine,
  input: Access & { userId: string },
): Promise<void> {
  const grant = await toGrant(engine, input);
  if (!grant.roles.includes('admin')) await assertKeepsAnAdmin(engine, input.userId);
  if (!(await updateUserAccess(engine.db, input.userId, grant)))
    throw new DomainError('NOT_FOUND', 'No such user');
}

/** Removes a user: their sessions and API tokens stop working at once. */
export async function removeUser(
  engine: Engine,
  input: { userId: string; by: Principal },
): Promise<void> {
  const user = await getUserWithAccess(engine.db, input.userId);
  if (!user) throw new DomainError('NOT_FOUND', 'No such user');
  if (input.by.actor.kind === 'user' && input.by.actor.id === user.email)
    throw new DomainError('CONFLICT', 'You cannot remove yourself');
  await assertKeepsAnAdmin(engine, input.userId);
  await deleteUser(engine.db, input.userId);
}

// --- API tokens ----------------------------------------------------------------

/** A token for scripts, scoped to roles and teams; its secret is returned once and stored hashed. */
export async function createApiToken(
  engine: Engine,
  input: Access & { name: string; expiresInDays?: number; by: Principal },
): Promise<{ token: ApiTokenRecord; secret: string }> {
  if (input.by.actor.kind !== 'user')
    throw new DomainError('FORBIDDEN', 'API tokens are created by a signed-in person');
  const createdBy = await findUserIdByEmail(engine.db, input.by.actor.id);
  if (!createdBy) throw new DomainError('FORBIDDEN', 'Your account no longer exists');
  const grant = await toGrant(engine, input);
  const secret = newSecret(API_TOKEN_PREFIX);
  const token = await insertApiToken(engine.db, {
    ...grant,
    name: input.name.trim(),
    tokenHash: sha256(secret),
    createdBy,
    expiresAt: input.expiresInDays
      ? new Date(Date.now() + input.expiresInDays * 24 * 3600_000)
      : null,
  });
  return { token, secret };
}

export function listApiTokens(engine: Engine): Promise<ApiTokenRecord[]> {
  return listApiTokenRecords(engine.db);
}

/** Revokes a token: the next request that presents it is refused. */
export async function revokeApiToken(engine: Engine, input: { id: string }): Promise<void> {
  if (!(await revokeApiTokenRecord(engine.db, input.id)))
    throw new DomainError('NOT_FOUND', 'No active API token with this id');
}
