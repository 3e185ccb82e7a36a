import { deleteWebhook } from '@flightdeck/engine';
import { z } from 'zod';
import { adminProcedure } from '../../trpc';
import { WebhookId } from './dto';

export const RemoveWebhookInput = z.object({ id: WebhookId }).strict();

/** Deletes a webhook and its delivery history; deliveries still queued are dropped. */
export const remove = adminProcedure.input(RemoveWebhookInput).mutation(async ({ ctx, input }) => {
  await deleteWebhook(ctx.engine, { id: input.id });
  return { id: input.id };
});
