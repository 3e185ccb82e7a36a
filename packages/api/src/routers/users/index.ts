import {
  inviteUser,
  listInvitations,
  listUsers,
  removeUser,
  revokeInvitation,
  setUserAccess,
  setUserActive,
} from '@flightdeck/engine';
import { z } from 'zod';
import { Email, Roles, TeamScope, UserId } from '../../access-schemas';
import { isoDate } from '../../dto';
import { adminProcedure, router } from '../../trpc';

const scope = (allTeams: boolean, teamIds: readonly string[]) =>
  allTeams ? ('all' as const) : [...teamIds];

const list = adminProcedure.query(async ({ ctx }) => {
  const users = await listUsers(ctx.engine);
  return users.map((u) => ({
    id: u.id,
    name: u.name,
    email: u.email,
    roles: u.roles,
    teams: scope(u.allTeams, u.teamIds),
    createdAt: isoDate(u.createdAt),
    deactivatedAt: u.deactivatedAt ? isoDate(u.deactivatedAt) : null,
  }));
});

/** An invitation link (shown once; there is no email sending yet) for an account with these roles and teams. */
const invite = adminProcedure
  .input(z.object({ email: Email, roles: Roles, teams: TeamScope }).strict())
  .mutation(async ({ ctx, input }) => {
    const { invitation, token } = await inviteUser(ctx.engine, { ...input, by: ctx.viewer });
    return { id: invitation.id, token, expiresAt: isoDate(invitation.expiresAt) };
  });

const invitations = adminProcedure.query(async ({ ctx }) => {
  const pending = await listInvitations(ctx.engine);
  return pending.map((i) => ({
    id: i.id,
    email: i.email,
    roles: i.roles,
    teams: scope(i.allTeams, i.teamIds),
    invitedBy: i.invitedBy,
    expiresAt: isoDate(i.expiresAt),
  }));
});

const revokeInvite = adminProcedure
  .input(z.object({ id: z.uuid() }).strict())
  .mutation(async ({ ctx, input }) => {
    await revokeInvitation(ctx.engine, { id: input.id, by: ctx.viewer });
    return { revoked: true };
  });

/** Changes a user's roles and teams: effective on their next request. */
const update = adminProcedure
  .input(z.object({ userId: UserId, roles: Roles, teams: TeamScope }).strict())
  .mutation(async ({ ctx, input }) => {
    await setUserAccess(ctx.engine, { ...input, by: ctx.viewer });
    return { updated: true };
  });

/** Deactivates a user: signed out at once, refused at sign-in, their API tokens refused. */
const deactivate = adminProcedure
  .input(z.object({ userId: UserId }).strict())
  .mutation(async ({ ctx, input }) => {
    await setUserActive(ctx.engine, { userId: input.userId, active: false, by: ctx.viewer });
    return { active: false };
  });

/** Lets a deactivated user sign in again; their API tokens work again. */
const reactivate = adminProcedure
  .input(z.object({ userId: UserId }).strict())
  .mutation(async ({ ctx, input }) => {
    await setUserActive(ctx.engine, { userId: input.userId, active: true, by: ctx.viewer });
    return { active: true };
  });

/** Removes a user: their sessions and API tokens stop working at once. */
const remove = adminProcedure
  .input(z.object({ userId: UserId }).strict())
  .mutation(async ({ ctx, input }) => {
    await removeUser(ctx.engine, { userId: input.userId, by: ctx.viewer });
    return { removed: true };
  });

export const usersRouter = router({
  list,
  invite,
  invitations,
  revokeInvite,
  update,
  deactivate,
  reactivate,
  remove,
});
