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
  setUserDeactivated,
  updateUserAccess,
  type AccessGrant,
  type ApiTokenRecord,
  type InvitationRecord,
  type UserWithAccess,
} from '@flightdeck/db';
import { accessBeyond, DomainError, type Principal, type Role } from '@flightdeck/domain';
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

/**
 * Refuses to grant what `by` does not hold: no one gives a role with a
 * permission they lack, or a team they cannot see (domain rule: accessBeyond).
 */
function assertWithin(by: Principal, access: Access, what: string): void {
  const beyond = accessBeyond(by, access);
  const parts: string[] = [];
  if (beyond.roles.length)
    parts.push(`the role${beyond.roles.length > 1 ? 's' : ''} ${beyond.roles.join(', ')}`);
  if (beyond.teams === 'all') parts.push('every team');
  else if (beyond.teams.length)
    parts.push(`the team${beyond.teams.length > 1 ? 's' : ''} ${beyond.teams.join(', ')}`);
  if (parts.length)
    throw new DomainError(
      'FORBIDDEN',
      `${what} cannot hold more than you do: you do not hold ${parts.join(' or ')}`,
    );
}

const actorOf = (by: Principal) => ({ kind: by.actor.kind, id: by.actor.id });

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
    {
      // The first admin creates themself, with the one-time link.
      audit: {
        actor: { kind: 'user', id: email },
        action: 'user.created',
        detail: { via: 'setup-link' },
      },
      alsoInTransaction: async (client) => {
        if (!(await consumeSetupToken(client, sha256(input.token))))
          throw new DomainError('FORBIDDEN', 'This setup link is invalid, used or expired');
      },
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
  assertWithin(input.by, input, 'An invitation');
  await assertEmailFree(engine, email);
  const grant = await toGrant(engine, input);
  const token = newSecret(INVITATION_TOKEN_PREFIX);
  const invitation = await insertInvitation(
    engine.db,
    {
      ...grant,
      email,
      tokenHash: sha256(token),
      invitedBy: input.by.actor.id,
      expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
    },
    { actor: actorOf(input.by), action: 'invitation.created' },
  );
  return { invitation, token };
}

export function listInvitations(engine: Engine): Promise<InvitationRecord[]> {
  return listPendingInvitations(engine.db);
}

export async function revokeInvitation(
  engine: Engine,
  input: { id: string; by: Principal },
): Promise<void> {
  await revokeInvitationRecord(engine.db, input.id, {
    actor: actorOf(input.by),
    action: 'invitation.revoked',
  });
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
    {
      // The invited person acts: they accept, and their account is created.
      audit: {
        actor: { kind: 'user', id: invitation.email },
        action: 'invitation.accepted',
        target: { invitationId: invitation.id },
        detail: { invitedBy: invitation.invitedBy },
      },
      alsoInTransaction: async (client) => {
        if (!(await markInvitationAccepted(client, invitation.id)))
          throw new DomainError('FORBIDDEN', 'This invitation was used or revoked meanwhile');
      },
    },
  );
  return { email: invitation.email };
}

// --- users ---------------------------------------------------------------------

export function listUsers(engine: Engine): Promise<UserWithAccess[]> {
  return listUsersWithAccess(engine.db);
}

function assertNotSelf(by: Principal, user: UserWithAccess, act: string): void {
  if (by.actor.kind === 'user' && by.actor.id === user.email)
    throw new DomainError('CONFLICT', `You cannot ${act} yourself`);
}

async function existingUser(engine: Engine, userId: string): Promise<UserWithAccess> {
  const user = await getUserWithAccess(engine.db, userId);
  if (!user) throw new DomainError('NOT_FOUND', 'No such user');
  return user;
}

/**
 * Changes what a user may do (`user.access_changed`); their next request (and
 * socket check) sees it. Flightdeck keeps at least one active admin.
 */
export async function setUserAccess(
  engine: Engine,
  input: Access & { userId: string; by: Principal },
): Promise<void> {
  assertWithin(input.by, input, 'A user');
  const grant = await toGrant(engine, input);
  await updateUserAccess(engine.db, input.userId, grant, {
    actor: actorOf(input.by),
    action: 'user.access_changed',
  });
}

/**
 * Deactivates a user (`user.deactivated`): signed out at once, refused at
 * sign-in, their API tokens refused; or reactivates one (`user.reactivated`).
 */
export async function setUserActive(
  engine: Engine,
  input: { userId: string; active: boolean; by: Principal },
): Promise<void> {
  const user = await existingUser(engine, input.userId);
  if (!input.active) assertNotSelf(input.by, user, 'deactivate');
  await setUserDeactivated(engine.db, input.userId, !input.active, {
    actor: actorOf(input.by),
    action: input.active ? 'user.reactivated' : 'user.deactivated',
  });
}

/** Removes a user (`user.removed`): their sessions and API tokens stop working at once. */
export async function removeUser(
  engine: Engine,
  input: { userId: string; by: Principal },
): Promise<void> {
  const user = await existingUser(engine, input.userId);
  assertNotSelf(input.by, user, 'remove');
  await deleteUser(engine.db, input.userId, { actor: actorOf(input.by), action: 'user.removed' });
}

// --- API tokens ----------------------------------------------------------------

/**
 * A token for scripts (`token.created`), scoped to roles and teams within its
 * creator's own (and capped by them again at each use); its secret is
 * returned once and stored hashed.
 */
export async function createApiToken(
  engine: Engine,
  input: Access & { name: string; expiresInDays?: number; by: Principal },
): Promise<{ token: ApiTokenRecord; secret: string }> {
  if (input.by.actor.kind !== 'user')
    throw new DomainError('FORBIDDEN', 'API tokens are created by a signed-in person');
  assertWithin(input.by, input, 'An API token');
  const createdBy = await findUserIdByEmail(engine.db, input.by.actor.id);
  if (!createdBy) throw new DomainError('FORBIDDEN', 'Your account no longer exists');
  const grant = await toGrant(engine, input);
  const secret = newSecret(API_TOKEN_PREFIX);
  const token = await insertApiToken(
    engine.db,
    {
      ...grant,
      name: input.name.trim(),
      tokenHash: sha256(secret),
      createdBy,
      expiresAt: input.expiresInDays
        ? new Date(Date.now() + input.expiresInDays * 24 * 3600_000)
        : null,
    },
    { actor: actorOf(input.by), action: 'token.created' },
  );
  return { token, secret };
}

export function listApiTokens(engine: Engine): Promise<ApiTokenRecord[]> {
  return listApiTokenRecords(engine.db);
}

/** Revokes a token (`token.revoked`): the next request that presents it is refused. */
export async function revokeApiToken(
  engine: Engine,
  input: { id: string; by: Principal },
): Promise<void> {
  await revokeApiTokenRecord(engine.db, input.id, {
    actor: actorOf(input.by),
    action: 'token.revoked',
  });
}
