import { agentPolicy as loadAgentPolicy } from '@flightdeck/engine';
import { z } from 'zod';
import { AgentId, RunId } from '../../schemas';
import { viewerProcedure } from '../../trpc';

export const AgentPolicyInput = z.object({ runId: RunId, agentId: AgentId }).strict();

/** The effective policy of one agent of a run: inherited and narrowed, in checking order. */
export const agentPolicy = viewerProcedure
  .input(AgentPolicyInput)
  .query(({ ctx, input }) => loadAgentPolicy(ctx.engine, input));
