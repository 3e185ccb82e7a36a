import { updateWebhook } from '@flightdeck/engine';
import { z } from 'zod';
import { adminProcedure } from '../../trpc';
import {
  toWebhookDto,
  WebhookEvents,
  WebhookFormat,
  WebhookId,
  WebhookName,
  WebhookUrl,
} from './dto';

export const UpdateWebhookInput = z
  .object({
    id: WebhookId,
    name: WebhookName.optional(),
    url: WebhookUrl.optional(),
    format: WebhookFormat.optional(),
    events: WebhookEvents.optional(),
    teamId: z.uuid().nullable().optional(),
    enabled: z.boolean().optional(),
  })
  .strict();

/** Changes a webhook (enable or disable it, among others). Its secret stays. */
export const update = adminProcedure.input(UpdateWebhookInput).mutation(async ({ ctx, input }) => {
  return toWebhookDto(await updateWebhook(ctx.engine, input));
});
