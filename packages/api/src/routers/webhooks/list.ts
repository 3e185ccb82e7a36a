import { listWebhooks } from '@flightdeck/engine';
import { adminProcedure } from '../../trpc';
import { toWebhookDto } from './dto';

export const list = adminProcedure.query(async ({ ctx }) => {
  const webhooks = await listWebhooks(ctx.engine);
  return webhooks.map(toWebhookDto);
});
