import { importRun } from '@flightdeck/engine';
import { z } from 'zod';
import { operatorProcedure } from '../../trpc';

/** The largest export accepted, in characters (the web route admits bodies this big for this procedure only). */
export const MAX_IMPORT_CHARS = 64 * 1024 * 1024;

export const ImportRunInput = z.object({ jsonl: z.string().min(1).max(MAX_IMPORT_CHARS) }).strict();

/** Import an ended run exported by a Flightdeck (JSON Lines): a new run here, to replay, fork or re-run. */
export const importRunProcedure = operatorProcedure
  .input(ImportRunInput)
  .mutation(({ ctx, input }) =>
    importRun(ctx.engine, { jsonl: input.jsonl, by: ctx.viewer.actor }),
  );
