import { randomUUID } from 'node:crypto';
import {
  WebhookNotification,
  NotificationKind,
  Uuid,
  WebhookFormat,
  type DeliveryStatus,
} from '@flightdeck/domain';
import { z } from 'zod';
import type { Db } from '../client';
import type { Prisma } from '../generated/prisma/client';

/** Outgoing webhooks and their deliveries. Secrets are read only by the delivery path. */

export interface WebhookRecord {
  id: string;
  name: string;
  url: string;
  format: WebhookFormat;
  events: NotificationKind[];
  enabled: boolean;
  teamId: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** The last four characters of the secret, to tell secrets apart. */
  secretHint: string;
}

export interface NewWebhook {
  name: string;
  url: string;
  secret: string;
  format: WebhookFormat;
  events: NotificationKind[];
  enabled: boolean;
  teamId: string | null;
}

export interface WebhookPatch {
  name?: string;
  url?: string;
  format?: WebhookFormat;
  events?: NotificationKind[];
  enabled?: boolean;
  teamId?: string | null;
}

const webhookSelect = {
  id: true,
  name: true,
  url: true,
  secret: true,
  format: true,
  events: true,
  enabled: true,
  teamId: true,
  createdAt: true,
  updatedAt: true,
} as const satisfies Prisma.WebhookSelect;

type WebhookRow = Prisma.WebhookGetPayload<{ select: typeof webhookSelect }>;

const Events = z.array(NotificationKind);

function toRecord(row: WebhookRow): WebhookRecord {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    format: WebhookFormat.parse(row.format),
    // A kind no longer known is dropped rather than failing the whole list.
    events: Events.parse(row.events.filter((e) => NotificationKind.safeParse(e).success)),
    enabled: row.enabled,
    teamId: row.teamId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    secretHint: row.secret.slice(-4),
  };
}

export async function insertWebhook(db: Db, input: NewWebhook): Promise<WebhookRecord> {
  const row = await db.prisma.webhook.create({
    data: { id: randomUUID(), ...input, events: [...new Set(input.events)] },
    select: webhookSelect,
  });
  return toRecord(row);
}

export async function listWebhooks(db: Db): Promise<WebhookRecord[]> {
  const rows = await db.prisma.webhook.findMany({
    select: webhookSelect,
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  return rows.map(toRecord);
}

export async function getWebhook(db: Db, id: string): Promise<WebhookRecord | null> {
  if (!Uuid.safeParse(id).success) return null;
  const row = await db.prisma.webhook.findUnique({ where: { id }, select: webhookSelect });
  return row ? toRecord(row) : null;
}

/** Null when there is no such webhook. */
export async function updateWebhook(
  db: Db,
  id: string,
  patch: WebhookPatch,
): Promise<WebhookRecord | null> {
  if (!Uuid.safeParse(id).success) return null;
  const data: Prisma.WebhookUncheckedUpdateInput = { updatedAt: new Date() };
  if (patch.name !== undefined) data.name = patch.name;
  if (patch.url !== undefined) data.url = patch.url;
  if (patch.format !== undefined) data.format = patch.format;
  if (patch.events !== undefined) data.events = [...new Set(patch.events)];
  if (patch.enabled !== undefined) data.enabled = patch.enabled;
  if (patch.teamId !== undefined) data.teamId = patch.teamId;
  const result = await db.prisma.webhook.updateManyAndReturn({
    where: { id },
    data,
    select: webhookSelect,
  });
  const row = result[0];
  return row ? toRecord(row) : null;
}

/** Deletes a webhook and its delivery history; false when there was none. */
export async function deleteWebhook(db: Db, id: string): Promise<boolean> {
  if (!Uuid.safeParse(id).success) return false;
  const result = await db.prisma.webhook.deleteMany({ where: { id } });
  return result.count === 1;
}

/** Enabled webhooks that take this kind of notification for this team. */
export async function findWebhooksFor(
  db: Db,
  input: { kind: NotificationKind; teamId: string },
): Promise<WebhookRecord[]> {
  const teamFilter = Uuid.safeParse(input.teamId).success
    ? { OR: [{ teamId: null }, { teamId: input.teamId }] }
    : { teamId: null };
  const rows = await db.prisma.webhook.findMany({
    where: { enabled: true, events: { has: input.kind }, ...teamFilter },
    select: webhookSelect,
    orderBy: { createdAt: 'asc' },
  });
  return rows.map(toRecord);
}

export interface DeliveryRecord {
  id: string;
  webhookId: string;
  kind: NotificationKind;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  responseStatus: number | null;
  isTest: boolean;
  createdAt: Date;
  updatedAt: Date;
  deliveredAt: Date | null;
}

const deliverySelect = {
  id: true,
  webhookId: true,
  kind: true,
  status: true,
  attempts: true,
  lastError: true,
  responseStatus: true,
  isTest: true,
  createdAt: true,
  updatedAt: true,
  deliveredAt: true,
} as const satisfies Prisma.WebhookDeliverySelect;

type DeliveryRow = Prisma.WebhookDeliveryGetPayload<{ select: typeof deliverySelect }>;

const Status = z.enum(['pending', 'delivered', 'failed']);

function toDelivery(row: DeliveryRow): DeliveryRecord {
  return { ...row, kind: NotificationKind.parse(row.kind), status: Status.parse(row.status) };
}

/** One pending delivery per webhook, in one transaction. */
export async function insertDeliveries(
  db: Db,
  input: { webhookIds: string[]; notification: WebhookNotification; isTest?: boolean },
): Promise<DeliveryRecord[]> {
  if (input.webhookIds.length === 0) return [];
  const payload = WebhookNotification.parse(input.notification) as Prisma.InputJsonValue;
  const rows = await db.prisma.webhookDelivery.createManyAndReturn({
    data: input.webhookIds.map((webhookId) => ({
      id: randomUUID(),
      webhookId,
      kind: input.notification.kind,
      payload,
      isTest: input.isTest ?? false,
    })),
    select: deliverySelect,
  });
  return rows.map(toDelivery);
}

/** What a delivery attempt needs: the delivery, its notification, and its webhook with the secret. */
export interface DeliveryTask {
  delivery: DeliveryRecord;
  notification: WebhookNotification;
  webhook: { id: string; url: string; secret: string; format: WebhookFormat; enabled: boolean };
}

export async function getDeliveryTask(db: Db, deliveryId: string): Promise<DeliveryTask | null> {
  if (!Uuid.safeParse(deliveryId).success) return null;
  const row = await db.prisma.webhookDelivery.findUnique({
    where: { id: deliveryId },
    select: {
      ...deliverySelect,
      payload: true,
      webhook: { select: { id: true, url: true, secret: true, format: true, enabled: true } },
    },
  });
  if (!row) return null;
  const { payload, webhook, ...delivery } = row;
  return {
    delivery: toDelivery(delivery),
    notification: WebhookNotification.parse(payload),
    webhook: { ...webhook, format: WebhookFormat.parse(webhook.format) },
  };
}

/** Records one attempt's outcome (nothing when the delivery was deleted with its webhook meanwhile). */
export async function recordDeliveryAttempt(
  db: Db,
  deliveryId: string,
  attempt: {
    status: DeliveryStatus;
    attempts: number;
    lastError: string | null;
    responseStatus: number | null;
  },
): Promise<void> {
  const now = new Date();
  await db.prisma.webhookDelivery.updateMany({
    where: { id: deliveryId },
    data: {
      status: attempt.status,
      attempts: attempt.attempts,
      lastError: attempt.lastError === null ? null : attempt.lastError.slice(0, 1000),
      responseStatus: attempt.responseStatus,
      updatedAt: now,
      ...(attempt.status === 'delivered' ? { deliveredAt: now } : {}),
    },
  });
}

/** Recent deliveries, newest first, of one webhook or of all. */
export async function listDeliveries(
  db: Db,
  input: { webhookId?: string; limit: number },
): Promise<DeliveryRecord[]> {
  if (input.webhookId !== undefined && !Uuid.safeParse(input.webhookId).success) return [];
  const rows = await db.prisma.webhookDelivery.findMany({
    where: input.webhookId ? { webhookId: input.webhookId } : {},
    select: deliverySelect,
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: input.limit,
  });
  return rows.map(toDelivery);
}
