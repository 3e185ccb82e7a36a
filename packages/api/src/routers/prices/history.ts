import { priceTableHistory } from '@flightdeck/engine';
import { z } from 'zod';
import { viewerProcedure } from '../../trpc';
import { toPriceTableDto } from './dto';

/** Saved versions of the price table, newest first. */
export const history = viewerProcedure
  .input(
    z
      .object({ limit: z.number().int().min(1).max(200).default(50) })
      .strict()
      .default({ limit: 50 }),
  )
  .query(async ({ ctx, input }) => {
    const versions = await priceTableHistory(ctx.engine, input.limit);
    return versions.map((v) =>
      toPriceTableDto({ ...v, saved: { by: v.createdBy, at: v.createdAt } }),
    );
  });
