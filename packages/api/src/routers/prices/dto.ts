import type { ModelPrice } from '@flightdeck/domain';
import { isoDate } from '../../dto';

/** One row of a price table as the prices page shows it, models sorted by name. */
export interface ModelPriceDto extends ModelPrice {
  model: string;
}

export function toModelPriceDtos(prices: Record<string, ModelPrice>): ModelPriceDto[] {
  return Object.entries(prices)
    .map(([model, p]) => ({ model, inputPerMTok: p.inputPerMTok, outputPerMTok: p.outputPerMTok }))
    .sort((a, b) => a.model.localeCompare(b.model));
}

export interface PriceTableDto {
  version: string;
  models: ModelPriceDto[];
  /** Who saved it and when; null for the prices Flightdeck ships with. */
  saved: { by: string; at: string } | null;
}

export function toPriceTableDto(table: {
  version: string;
  prices: Record<string, ModelPrice>;
  saved: { by: string; at: Date } | null;
}): PriceTableDto {
  return {
    version: table.version,
    models: toModelPriceDtos(table.prices),
    saved: table.saved ? { by: table.saved.by, at: isoDate(table.saved.at) } : null,
  };
}
