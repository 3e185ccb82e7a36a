import { resolveToolCall } from '@flightdeck/engine';
import { z } from 'zod';
import { AgentId, CallId, MAX_TOOL_OUTPUT_CHARS, RunId, ToolCallResolution } from '../../schemas';
import { operatorProcedure } from '../../trpc';

export const ResolveToolCallInput = z
  .object({
    runId: RunId,
    agentId: AgentId,
    callId: CallId,
    resolution: ToolCallResolution,
    /** Only for `mark-done`: the result the agent is given in place of the call's. */
    output: z.string().max(MAX_TOOL_OUTPUT_CHARS).optional(),
  })
  .strict()
  .refine((input) => input.output === undefined || input.resolution === 'mark-done', {
    message: 'an output goes only with mark-done',
    path: ['output'],
  });

/** A human's decision on a tool call a crash left with an unknown outcome: retry it, skip it, or mark it done. */
export const resolve = operatorProcedure
  .input(ResolveToolCallInput)
  .mutation(async ({ ctx, input }) => {
    const { resolution } = await resolveToolCall(ctx.engine, {
      runId: input.runId,
      agentId: input.agentId,
      callId: input.callId,
      resolution: input.resolution,
      output: input.output,
      by: ctx.viewer.actor,
    });
    return { resolution };
  });
