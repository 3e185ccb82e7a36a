import { sendTestNotification } from '@flightdeck/engine';
import { z } from 'zod';
import { adminProcedure } from '../../trpc';
import { WebhookId } from './dto';

export const TestWebhookInput = z.object({ id: WebhookId }).strict();

/** Queues a sample `approval.requested` (marked as a test) to one webhook, enabled or not. */
export const test = adminProcedure.input(TestWebhookInput).mutation(async ({ ctx, input }) => {
  const { deliveryId } = await sendTestNotification(ctx.engine, { webhookId: input.id });
  return { deliveryId };
});
