import { createWebhook } from '@flightdeck/engine';
import { z } from 'zod';
import { adminProcedure } from '../../trpc';
import {
  toWebhookDto,
  WebhookEvents,
  WebhookFormat,
  WebhookName,
  WebhookSecret,
  WebhookUrl,
} from './dto';

export const CreateWebhookInput = z
  .object({
    name: WebhookName,
    url: WebhookUrl,
    format: WebhookFormat.default('json'),
    events: WebhookEvents,
    /** Only this team's approvals; null or absent for every team. */
    teamId: z.uuid().nullable().optional(),
    enabled: z.boolean().optional(),
    /** Generated when absent (recommended). */
    secret: WebhookSecret.optional(),
  })
  .strict();

/** Creates a webhook. The answer holds its secret: the only time it is shown. */
export const create = adminProcedure.input(CreateWebhookInput).mutation(async ({ ctx, input }) => {
  const { webhook, secret } = await createWebhook(ctx.engine, input);
  return { webhook: toWebhookDto(webhook), secret };
});
