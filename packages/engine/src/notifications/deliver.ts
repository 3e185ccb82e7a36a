import { getDeliveryTask, recordDeliveryAttempt } from '@flightdeck/db';
import { jsonWebhookBody, slackWebhookBody } from '@flightdeck/domain';
import { UnrecoverableError } from 'bullmq';
import type { Engine } from '../engine';
import { createProcessor } from '../jobs/consumer';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signWebhookBody } from './signature';

export interface WebhookDeliveryOptions {
  /** Base URL of the web app, for links in notifications (e.g. https://flightdeck.example.com). */
  publicUrl: string;
  /** Per-request timeout. Default 10 s. */
  timeoutMs?: number;
}

export type DeliveryOutcome = 'delivered' | 'gone' | 'already-done' | 'disabled';

/** A failure worth another attempt (5xx, 408, 429, timeout, network). */
export class RetryableDeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetryableDeliveryError';
  }
}

/** 4xx other than 408 (timeout) and 429 (rate limited): the receiver refuses; asking again will not help. */
export function isPermanentStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

const USER_AGENT = 'Flightdeck-Webhooks/1';

function networkError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return `no response within ${timeoutMs / 1000} s`;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (cause && typeof cause.code === 'string') return `network error: ${cause.code}`;
  if (cause && typeof cause.message === 'string') return `network error: ${cause.message}`;
  return `network error: ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * One attempt at one delivery: load it, build and sign the body, POST it,
 * record the outcome on its row. Returns when it is delivered (or there is
 * nothing left to do); throws `RetryableDeliveryError` for a failure worth
 * retrying and BullMQ's `UnrecoverableError` for one that is not.
 */
export async function deliverWebhook(
  engine: Engine,
  input: { deliveryId: string; attempt: number; maxAttempts: number; signal?: AbortSignal },
  options: WebhookDeliveryOptions,
): Promise<DeliveryOutcome> {
  const task = await getDeliveryTask(engine.db, input.deliveryId);
  // The webhook was deleted with its history: nothing to send to.
  if (!task) return 'gone';
  const { delivery, notification, webhook } = task;
  if (delivery.status !== 'pending') return 'already-done';
  if (!webhook.enabled && !delivery.isTest) {
    await recordDeliveryAttempt(engine.db, delivery.id, {
      status: 'failed',
      attempts: delivery.attempts,
      lastError: 'webhook disabled before delivery',
      responseStatus: null,
    });
    return 'disabled';
  }

  const body =
    webhook.format === 'slack'
      ? slackWebhookBody(notification, { publicUrl: options.publicUrl, test: delivery.isTest })
      : jsonWebhookBody(notification, { publicUrl: options.publicUrl, test: delivery.isTest });
  const raw = JSON.stringify(body);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = input.signal ? AbortSignal.any([timeout, input.signal]) : timeout;

  let status: number | null = null;
  let error: string | null = null;
  try {
    const response = await fetch(webhook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        [SIGNATURE_HEADER]: signWebhookBody(webhook.secret, raw),
        [EVENT_HEADER]: notification.kind,
        [DELIVERY_HEADER]: delivery.id,
      },
      body: raw,
      // A redirect could lead anywhere: it counts as a failure, not a place to follow.
      redirect: 'manual',
      signal,
    });
    status = response.status;
    // Only the status is kept: the body is read and dropped so the connection is freed.
    await response.body?.cancel().catch(() => undefined);
  } catch (caught) {
    error = networkError(caught, timeoutMs);
  }

  const attempts = input.attempt;
  if (status !== null && status >= 200 && status < 300) {
    await recordDeliveryAttempt(engine.db, delivery.id, {
      status: 'delivered',
      attempts,
      lastError: null,
      responseStatus: status,
    });
    return 'delivered';
  }
  const message = error ?? `HTTP ${status}`;
  const permanent = status !== null && isPermanentStatus(status);
  const last = permanent || attempts >= input.maxAttempts;
  await recordDeliveryAttempt(engine.db, delivery.id, {
    status: last ? 'failed' : 'pending',
    attempts,
    lastError: message,
    responseStatus: status,
  });
  if (permanent) throw new UnrecoverableError(`webhook refused the delivery: ${message}`);
  throw new RetryableDeliveryError(message);
}

/**
 * The BullMQ processor of the notifications queue. Register it on a Worker for
 * `QUEUES.notifications`.
 */
export function createNotificationProcessor(engine: Engine, options: WebhookDeliveryOptions) {
  return createProcessor({
    'webhook.deliver': async (payload, { job, signal }) => {
      await deliverWebhook(
        engine,
        {
          deliveryId: payload.deliveryId,
          attempt: job.attemptsMade + 1,
          maxAttempts: job.opts.attempts ?? 1,
          signal,
        },
        options,
      );
    },
  });
}
