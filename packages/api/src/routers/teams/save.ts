import { MAX_MANIFEST_BYTES } from '@flightdeck/domain';
import { saveTeam } from '@flightdeck/engine';
import { z } from 'zod';
import { operatorProcedure } from '../../trpc';

export const SaveTeamInput = z
  .object({
    /** Manifest source, YAML or JSON. The engine parses it and reports issues with paths. */
    source: z.string().min(1, 'the manifest is empty').max(MAX_MANIFEST_BYTES),
  })
  .strict();

export const save = operatorProcedure.input(SaveTeamInput).mutation(async ({ ctx, input }) => {
  const saved = await saveTeam(ctx.engine, { source: input.source });
  return { teamId: saved.teamId, slug: saved.slug, version: saved.version, created: saved.created };
});
