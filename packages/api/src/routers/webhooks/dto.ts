import type { DeliveryRecord, WebhookRecord } from '@flightdeck/db';
import { NotificationKind, WebhookFormat, WebhookUrl } from '@flightdeck/domain';
import { z } from 'zod';
import { isoDate } from '../../dto';

/** Inputs and outputs shared by the webhook procedures. The secret is never in an output but `create`'s. */

export const WebhookId = z.uuid();
export const WebhookName = z.string().trim().min(1, 'name it').max(100);
export const WebhookEvents = z
  .array(NotificationKind)
  .min(1, 'choose at least one kind of notification')
  .max(NotificationKind.options.length);
export const WebhookSecret = z
  .string()
  .min(16, 'at least 16 characters')
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');
export { WebhookFormat, WebhookUrl };

export interface WebhookDto {
  id: string;
  name: string;
  url: string;
  format: WebhookFormat;
  events: NotificationKind[];
  enabled: boolean;
  teamId: string | null;
  /** The secret masked: its last four characters only. */
  secretMasked: string;
  createdAt: string;
  updatedAt: string;
}

export function toWebhookDto(w: WebhookRecord): WebhookDto {
  return {
    id: w.id,
    name: w.name,
    url: w.url,
    format: w.format,
    events: [...w.events],
    enabled: w.enabled,
    teamId: w.teamId,
    secretMasked: `••••${w.secretHint}`,
    createdAt: isoDate(w.createdAt),
    updatedAt: isoDate(w.updatedAt),
  };
}

export interface WebhookDeliveryDto {
  id: string;
  webhookId: string;
  kind: NotificationKind;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastError: string | null;
  responseStatus: number | null;
  isTest: boolean;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
}

export function toDeliveryDto(d: DeliveryRecord): WebhookDeliveryDto {
  return {
    id: d.id,
    webhookId: d.webhookId,
    kind: d.kind,
    status: d.status,
    attempts: d.attempts,
    lastError: d.lastError,
    responseStatus: d.responseStatus,
    isTest: d.isTest,
    createdAt: isoDate(d.createdAt),
    updatedAt: isoDate(d.updatedAt),
    deliveredAt: d.deliveredAt ? isoDate(d.deliveredAt) : null,
  };
}
