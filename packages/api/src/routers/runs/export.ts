import { exportRun } from '@flightdeck/engine';
import { z } from 'zod';
import { RunId } from '../../schemas';
import { viewerProcedure } from '../../trpc';

export const ExportRunInput = z.object({ runId: RunId }).strict();

/** The run as JSON Lines (header, events, workspace history, end), to import on another Flightdeck. */
export const exportRunProcedure = viewerProcedure
  .input(ExportRunInput)
  .query(async ({ ctx, input }) => {
    const { filename, lines } = await exportRun(ctx.engine, input);
    return { filename, jsonl: `${lines.join('\n')}\n` };
  });
