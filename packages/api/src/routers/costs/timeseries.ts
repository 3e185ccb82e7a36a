import { getCostTimeseries } from '@flightdeck/engine';
import { teamFilter } from '../../access';
import { viewerProcedure } from '../../trpc';
import { CostsInput, toSumsDto } from './input';

/** Spend per time bucket (hourly for 24h, 6-hourly for 7d, daily for 30d) and team. */
export const timeseries = viewerProcedure.input(CostsInput).query(async ({ ctx, input }) => {
  const s = await getCostTimeseries(ctx.engine, {
    range: input.range,
    teamSlug: input.teamSlug,
    teamIds: teamFilter(ctx.viewer),
  });
  return {
    bucketSeconds: s.bucketSeconds,
    buckets: s.buckets,
    points: s.points.map((p) => ({
      bucket: p.bucket,
      teamSlug: p.teamSlug,
      teamName: p.teamName,
      ...toSumsDto(p),
    })),
  };
});
