import {
  acceptInvitation,
  checkSetupToken,
  completeSetup,
  describeInvitation,
} from '@flightdeck/engine';
import { z } from 'zod';
import { Email, LinkToken, Password, PersonName } from '../../access-schemas';
import { publicProcedure, router } from '../../trpc';

/** Who is signed in (null when nobody): what the browser shows and hides by role. */
const me = publicProcedure.query(({ ctx }) => {
  const viewer = ctx.viewer;
  if (!viewer) return null;
  return {
    actor: { kind: viewer.actor.kind, id: viewer.actor.id },
    roles: [...viewer.roles],
    teams: viewer.teams === 'all' ? ('all' as const) : [...viewer.teams],
  };
});

const TokenInput = z.object({ token: LinkToken }).strict();

/** Whether a setup link is still good (no admin yet, token unused and unexpired). */
const setupStatus = publicProcedure.input(TokenInput).query(async ({ ctx, input }) => ({
  valid: await checkSetupToken(ctx.engine, input.token),
}));

/** The first admin, created with the one-time link printed at the first start. */
const setup = publicProcedure
  .input(
    z.object({ token: LinkToken, name: PersonName, email: Email, password: Password }).strict(),
  )
  .mutation(({ ctx, input }) => completeSetup(ctx.engine, input));

/** For whom an invitation link is (null when it is invalid, used, revoked or expired). */
const invitation = publicProcedure
  .input(TokenInput)
  .query(({ ctx, input }) => describeInvitation(ctx.engine, input.token));

/** Create the invited account; the browser then signs in with the new password. */
const acceptInvite = publicProcedure
  .input(z.object({ token: LinkToken, name: PersonName, password: Password }).strict())
  .mutation(({ ctx, input }) => acceptInvitation(ctx.engine, input));

export const accountRouter = router({ me, setupStatus, setup, invitation, acceptInvite });
