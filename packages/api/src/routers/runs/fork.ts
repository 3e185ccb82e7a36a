import { can, ModelRef } from '@flightdeck/domain';
import { forkRun } from '@flightdeck/engine';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { AgentId, MAX_STEER_CHARS, RunId } from '../../schemas';
import { operatorProcedure } from '../../trpc';

const Optional = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

export const ForkRunInput = z
  .object({
    runId: RunId,
    /** Fork from the run's state right after this step. */
    atSeq: z.number().int().positive(),
    edits: z
      .object({
        /** The agent the edits apply to (default: the lead). */
        agentId: Optional(AgentId),
        message: Optional(z.string().trim().max(MAX_STEER_CHARS)),
        system: Optional(z.string().trim().max(16_000)),
        model: Optional(ModelRef),
      })
      .strict()
      .optional(),
    manifestVersion: z.number().int().positive().optional(),
    /** An edited manifest, saved as the team's next version (needs the governance permission). */
    manifestSource: z.string().min(1).max(64_000).optional(),
  })
  .strict();

/** Start a new run from a step of this one (nothing before the step runs again), optionally edited. */
export const fork = operatorProcedure.input(ForkRunInput).mutation(async ({ ctx, input }) => {
  if (input.manifestSource !== undefined && !can(ctx.viewer, 'governance.write'))
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: 'Editing the manifest saves a new team version: that needs governance.write',
    });
  const { runId, seq } = await forkRun(ctx.engine, { ...input, by: ctx.viewer.actor });
  return { runId, seq };
});
