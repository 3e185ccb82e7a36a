import { findWebhooksFor, getWebhook, insertDeliveries } from '@flightdeck/db';
import {
  ApprovalNotification,
  BudgetNotification,
  describeIssues,
  DomainError,
  sampleApprovalNotification,
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
 * Tell the webhooks about an approval: every enabled webhook that takes this
 * kind, for this team or for all teams, gets a delivery row and a delivery
 * job. Call it after the approval's own change is committed. Returns the new
 * deliveries' ids (none when no webhook matches). Fails loudly if the
 * notification is invalid or Redis is unreachable; rows written before a
 * failed enqueue stay `pending` for an admin to see.
 */
export async function notifyApproval(
  engine: Engine,
  notification: ApprovalNotification,
): Promise<{ deliveryIds: string[] }> {
  const parsed = ApprovalNotification.safeParse(notification);
  if (!parsed.success) {
    throw new DomainError(
      'INVALID_INPUT',
      `Invalid approval notification: ${describeIssues(parsed.error.issues)}`,
    );
  }
  const webhooks = await findWebhooksFor(engine.db, {
    kind: parsed.data.kind,
    teamId: parsed.data.approval.teamId,
  });
  const deliveries = await insertDeliveries(engine.db, {
    webhookIds: webhooks.map((w) => w.id),
    notification: parsed.data,
  });
  const deliveryIds = deliveries.map((d) => d.id);
  await enqueueDeliveries(engine, deliveryIds);
  return { deliveryIds };
}

/**
 * Tell the webhooks about a budget alert (a soft limit crossed, a run stopped
 * at a hard limit), like `notifyApproval`: one delivery per enabled webhook
 * that takes the kind, for this team or all teams.
 */
export async function notifyBudget(
  engine: Engine,
  notification: BudgetNotification,
): Promise<{ deliveryIds: string[] }> {
  const parsed = BudgetNotification.safeParse(notification);
  if (!parsed.success) {
    throw new DomainError(
      'INVALID_INPUT',
      `Invalid budget notification: ${describeIssues(parsed.error.issues)}`,
    );
  }
  const webhooks = await findWebhooksFor(engine.db, {
    kind: parsed.data.kind,
    teamId: parsed.data.budget.teamId,
  });
  const deliveries = await insertDeliveries(engine.db, {
    webhookIds: webhooks.map((w) => w.id),
    notification: parsed.data,
  });
  const deliveryIds = deliveries.map((d) => d.id);
  await enqueueDeliveries(engine, deliveryIds);
  return { deliveryIds };
}

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
