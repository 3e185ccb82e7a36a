import { findWebhooksFor, getWebhook, insertDeliveries } from '@flightdeck/db';
import {
  type ApprovalNotification,
  type BreakerNotification,
  type BudgetNotification,
  describeIssues,
  DomainError,
  notificationTeamId,
  sampleApprovalNotification,
  WebhookNotification,
} from '@flightdeck/domain';
import type { Engine } from '../engine';
import { enqueue } from '../jobs/queues';

function retryOverride(engine: Engine) {
  const retry = engine.config.webhookRetry;
  if (!retry) return undefined;
  return {
    ...(retry.attempts !== undefined ? { attempts: retry.attempts } : {}),
    ...(retry.backoffMs !== undefined
      ? { backoff: { type: 'exponential', delay: retry.backoffMs } }
      : {}),
  };
}

async function enqueueDeliveries(engine: Engine, deliveryIds: string[]): Promise<void> {
  const retry = retryOverride(engine);
  for (const deliveryId of deliveryIds)
    await enqueue(engine.queues, 'webhook.deliver', { deliveryId }, { retry });
}

/**
 * Tell the webhooks about something that happened (an approval, a circuit
 * breaker, a budget alert): every enabled webhook that takes its kind, for
 * its team or for all teams, gets a delivery row and a delivery job. Call it
 * after the change itself is committed. Returns the new deliveries' ids (none
 * when no webhook matches). Fails loudly if the notification is invalid or
 * Redis is unreachable; rows written before a failed enqueue stay `pending`
 * for an admin to see.
 */
export async function notifyWebhooks(
  engine: Engine,
  notification: WebhookNotification,
): Promise<{ deliveryIds: string[] }> {
  const parsed = WebhookNotification.safeParse(notification);
  if (!parsed.success) {
    throw new DomainError(
      'INVALID_INPUT',
      `Invalid ${notification.kind} notification: ${describeIssues(parsed.error.issues)}`,
    );
  }
  const webhooks = await findWebhooksFor(engine.db, {
    kind: parsed.data.kind,
    teamId: notificationTeamId(parsed.data),
  });
  const deliveries = await insertDeliveries(engine.db, {
    webhookIds: webhooks.map((w) => w.id),
    notification: parsed.data,
  });
  const deliveryIds = deliveries.map((d) => d.id);
  await enqueueDeliveries(engine, deliveryIds);
  return { deliveryIds };
}

/** An approval was requested, is expiring, was decided or expired. */
export const notifyApproval = (engine: Engine, notification: ApprovalNotification) =>
  notifyWebhooks(engine, notification);
/** A circuit breaker of a run opened or closed. */
export const notifyBreaker = (engine: Engine, notification: BreakerNotification) =>
  notifyWebhooks(engine, notification);
/** A budget's soft limit was crossed, or a call was refused at a hard limit (the run stopped). */
export const notifyBudget = (engine: Engine, notification: BudgetNotification) =>
  notifyWebhooks(engine, notification);

/** Send a sample notification to one webhook (enabled or not, whatever kinds it takes). */
export async function sendTestNotification(
  engine: Engine,
  input: { webhookId: string },
): Promise<{ deliveryId: string }> {
  const webhook = await getWebhook(engine.db, input.webhookId);
  if (!webhook) throw new DomainError('NOT_FOUND', 'No such webhook');
  const [delivery] = await insertDeliveries(engine.db, {
    webhookIds: [webhook.id],
    notification: sampleApprovalNotification(new Date()),
    isTest: true,
  });
  if (!delivery) throw new Error('the test delivery was not written');
  await enqueueDeliveries(engine, [delivery.id]);
  return { deliveryId: delivery.id };
}
