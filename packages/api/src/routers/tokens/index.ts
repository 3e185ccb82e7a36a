import { createApiToken, listApiTokens, revokeApiToken } from '@flightdeck/engine';
import { z } from 'zod';
import { Roles, TeamScope } from '../../access-schemas';
import { isoDate } from '../../dto';
import { adminProcedure, router } from '../../trpc';

const list = adminProcedure.query(async ({ ctx }) => {
  const tokens = await listApiTokens(ctx.engine);
  return tokens.map((t) => ({
    id: t.id,
    name: t.name,
    roles: t.roles,
    teams: t.allTeams ? ('all' as const) : [...t.teamIds],
    createdAt: isoDate(t.createdAt),
    expiresAt: t.expiresAt ? isoDate(t.expiresAt) : null,
    lastUsedAt: t.lastUsedAt ? isoDate(t.lastUsedAt) : null,
    revokedAt: t.revokedAt ? isoDate(t.revokedAt) : null,
  }));
});

/** A token for scripts; its secret is in this answer only (stored as a sha256). */
const create = adminProcedure
  .input(
    z
      .object({
        name: z.string().trim().min(1, 'name the token').max(100),
        roles: Roles,
        teams: TeamScope,
        expiresInDays: z.number().int().min(1).max(365).optional(),
      })
      .strict(),
  )
  .mutation(async ({ ctx, input }) => {
    const { token, secret } = await createApiToken(ctx.engine, { ...input, by: ctx.viewer });
    return { id: token.id, name: token.name, secret };
  });

/** Revoked tokens are refused from the next request on. */
const revoke = adminProcedure
  .input(z.object({ id: z.uuid() }).strict())
  .mutation(async ({ ctx, input }) => {
    await revokeApiToken(ctx.engine, { id: input.id, by: ctx.viewer });
    return { revoked: true };
  });

export const tokensRouter = router({ list, create, revoke });
