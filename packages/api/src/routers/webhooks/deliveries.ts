import { listWebhookDeliveries } from '@flightdeck/engine';
import { z } from 'zod';
import { adminProcedure } from '../../trpc';
import { toDeliveryDto, WebhookId } from './dto';

export const MAX_DELIVERIES_PAGE = 200;

export const WebhookDeliveriesInput = z
  .object({
    /** One webhook's deliveries; all when absent. */
    webhookId: WebhookId.optional(),
    limit: z.number().int().min(1).max(MAX_DELIVERIES_PAGE).default(50),
  })
  .strict();

/** Recent deliveries, newest first, with their status, attempts and last error. */
export const deliveries = adminProcedure
  .input(WebhookDeliveriesInput)
  .query(async ({ ctx, input }) => {
    const rows = await listWebhookDeliveries(ctx.engine, input);
    return rows.map(toDeliveryDto);
  });
