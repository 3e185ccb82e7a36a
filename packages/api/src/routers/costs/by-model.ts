import { getCostByModel } from '@flightdeck/engine';
import { teamFilter } from '../../access';
import { viewerProcedure } from '../../trpc';
import { CostsInput, toSumsDto } from './input';

/** Spend and tokens per model (`provider/name`), most expensive first. */
export const byModel = viewerProcedure.input(CostsInput).query(async ({ ctx, input }) => {
  const rows = await getCostByModel(ctx.engine, {
    range: input.range,
    teamSlug: input.teamSlug,
    teamIds: teamFilter(ctx.viewer),
  });
  return rows.map((r) => ({ model: r.model, ...toSumsDto(r) }));
});
