import { getTopCostRuns } from '@flightdeck/engine';
import { teamFilter } from '../../access';
import { viewerProcedure } from '../../trpc';
import { CostsRankingInput } from './input';

/** The most expensive runs created in the range (their whole spend). */
export const topRuns = viewerProcedure.input(CostsRankingInput).query(async ({ ctx, input }) => {
  const rows = await getTopCostRuns(ctx.engine, {
    range: input.range,
    teamSlug: input.teamSlug,
    teamIds: teamFilter(ctx.viewer),
    limit: input.limit,
  });
  return rows.map((r) => ({
    id: r.id,
    goal: r.goal,
    status: r.status,
    teamSlug: r.teamSlug,
    teamName: r.teamName,
    costMicroUsd: r.costMicroUsd,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    turns: r.turns,
    agentCount: r.agentCount,
    createdAt: r.createdAt,
    endedAt: r.endedAt,
  }));
});
