import { currentPriceTable } from '@flightdeck/engine';
import { viewerProcedure } from '../../trpc';
import { toPriceTableDto } from './dto';

/** The price table model calls are priced with now (the shipped default until one is saved). */
export const current = viewerProcedure.query(async ({ ctx }) =>
  toPriceTableDto(await currentPriceTable(ctx.engine)),
);
