import { ModelPrice, PricedModelName, PriceVersion } from '@flightdeck/domain';
import { savePriceTable } from '@flightdeck/engine';
import { z } from 'zod';
import { governanceProcedure } from '../../trpc';

export const SavePricesInput = z
  .object({
    /** Every model's price: the whole table (a model left out is removed). */
    models: z
      .array(z.object({ model: PricedModelName }).extend(ModelPrice.shape).strict())
      .max(500)
      .refine((rows) => new Set(rows.map((r) => r.model)).size === rows.length, {
        message: 'each model once',
      }),
    /** The version the editor started from: refused if another was saved since. */
    basedOn: PriceVersion.optional(),
  })
  .strict();

/** Saves the prices as a new version of the table (audited); the next model calls are priced with it. */
export const save = governanceProcedure.input(SavePricesInput).mutation(async ({ ctx, input }) => {
  const prices = Object.fromEntries(
    input.models.map((r) => [
      r.model,
      { inputPerMTok: r.inputPerMTok, outputPerMTok: r.outputPerMTok },
    ]),
  );
  return savePriceTable(ctx.engine, ctx.viewer, prices, { basedOn: input.basedOn });
});
