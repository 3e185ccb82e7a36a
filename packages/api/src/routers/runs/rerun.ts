import { getRerunVerdict, requestRerun } from '@flightdeck/engine';
import { z } from 'zod';
import { RunId } from '../../schemas';
import { operatorProcedure, viewerProcedure } from '../../trpc';

export const RerunInput = z.object({ runId: RunId }).strict();

/** Re-execute an ended run deterministically (recorded model responses and tool results): a new run, checked event by event. */
export const rerun = operatorProcedure
  .input(RerunInput)
  .mutation(({ ctx, input }) =>
    requestRerun(ctx.engine, { runId: input.runId, by: ctx.viewer.actor }),
  );

const Difference = z
  .object({
    seq: z.number(),
    reason: z.string(),
    expected: z
      .object({ type: z.string(), agentId: z.string().nullable(), payload: z.string() })
      .nullable(),
    actual: z
      .object({ type: z.string(), agentId: z.string().nullable(), payload: z.string() })
      .nullable(),
  })
  .nullable();
const Verdict = z
  .object({
    identical: z.boolean(),
    recordedEvents: z.number().optional(),
    rerunEvents: z.number().optional(),
    matched: z.number().optional(),
    replayedModelCalls: z.number().optional(),
    replayedToolCalls: z.number().optional(),
    durationMs: z.number().optional(),
    firstDifference: Difference.optional(),
    error: z.string().optional(),
  })
  .nullable();

/** A re-run's verdict: identical, or the first event that differs (null while it runs). */
export const rerunReport = viewerProcedure.input(RerunInput).query(async ({ ctx, input }) => {
  const parsed = Verdict.safeParse(await getRerunVerdict(ctx.engine, input));
  return parsed.success ? parsed.data : null;
});
