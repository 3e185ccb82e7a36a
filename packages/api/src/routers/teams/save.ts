import { MAX_MANIFEST_BYTES } from '@flightdeck/domain';
import { saveTeam } from '@flightdeck/engine';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { governanceProcedure } from '../../trpc';

export const SaveTeamInput = z
  .object({
    /** Manifest source, YAML or JSON. The engine parses it and reports issues with paths. */
    source: z.string().min(1, 'the manifest is empty').max(MAX_MANIFEST_BYTES),
  })
  .strict();

export const save = governanceProcedure.input(SaveTeamInput).mutation(async ({ ctx, input }) => {
  // A manifest names its team by slug and may create one: only callers on every team may save.
  if (ctx.viewer.teams !== 'all')
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: 'Saving manifests needs access to every team',
    });
  const saved = await saveTeam(ctx.engine, { source: input.source, by: ctx.viewer.actor });
  return { teamId: saved.teamId, slug: saved.slug, version: saved.version, created: saved.created };
});
