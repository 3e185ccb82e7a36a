import {
  deleteWebhook as deleteWebhookRecord,
  getTeam,
  insertWebhook,
  listDeliveries,
  listWebhooks as listWebhookRecords,
  updateWebhook as updateWebhookRecord,
  type DeliveryRecord,
  type WebhookPatch,
  type WebhookRecord,
} from '@flightdeck/db';
import {
  DomainError,
  WebhookUrl,
  type NotificationKind,
  type WebhookFormat,
} from '@flightdeck/domain';
import type { Engine } from '../engine';
import { generateWebhookSecret } from './signature';

/** Admin use cases on outgoing webhooks. Secrets leave only once, from `createWebhook`. */

export interface CreateWebhookInput {
  name: string;
  url: string;
  /** Generated when absent. */
  secret?: string;
  format: WebhookFormat;
  events: NotificationKind[];
  enabled?: boolean;
  teamId?: string | null;
}

function checkUrl(url: string): string {
  const parsed = WebhookUrl.safeParse(url);
  if (!parsed.success)
    throw new DomainError('INVALID_INPUT', 'The webhook URL must be an absolute http(s) URL', [
      { path: 'url', message: parsed.error.issues[0]?.message ?? 'invalid URL' },
    ]);
  return parsed.data;
}

async function checkTeam(engine: Engine, teamId: string | null | undefined): Promise<void> {
  if (!teamId) return;
  if (!(await getTeam(engine.db, { id: teamId })))
    throw new DomainError('INVALID_INPUT', 'No such team', [
      { path: 'teamId', message: 'no such team' },
    ]);
}

function checkEvents(events: NotificationKind[] | undefined): void {
  if (events !== undefined && events.length === 0)
    throw new DomainError('INVALID_INPUT', 'Choose at least one kind of notification', [
      { path: 'events', message: 'choose at least one' },
    ]);
}

/** Creates a webhook; the result holds its secret, the only time it is returned. */
export async function createWebhook(
  engine: Engine,
  input: CreateWebhookInput,
): Promise<{ webhook: WebhookRecord; secret: string }> {
  const url = checkUrl(input.url);
  checkEvents(input.events);
  await checkTeam(engine, input.teamId);
  const secret = input.secret ?? generateWebhookSecret();
  const webhook = await insertWebhook(engine.db, {
    name: input.name.trim(),
    url,
    secret,
    format: input.format,
    events: input.events,
    enabled: input.enabled ?? true,
    teamId: input.teamId ?? null,
  });
  return { webhook, secret };
}

export function listWebhooks(engine: Engine): Promise<WebhookRecord[]> {
  return listWebhookRecords(engine.db);
}

export async function updateWebhook(
  engine: Engine,
  input: { id: string } & WebhookPatch,
): Promise<WebhookRecord> {
  const { id, ...patch } = input;
  if (patch.url !== undefined) patch.url = checkUrl(patch.url);
  if (patch.name !== undefined) patch.name = patch.name.trim();
  checkEvents(patch.events);
  await checkTeam(engine, patch.teamId);
  const updated = await updateWebhookRecord(engine.db, id, patch);
  if (!updated) throw new DomainError('NOT_FOUND', 'No such webhook');
  return updated;
}

export async function deleteWebhook(engine: Engine, input: { id: string }): Promise<void> {
  if (!(await deleteWebhookRecord(engine.db, input.id)))
    throw new DomainError('NOT_FOUND', 'No such webhook');
}

export function listWebhookDeliveries(
  engine: Engine,
  input: { webhookId?: string; limit: number },
): Promise<DeliveryRecord[]> {
  return listDeliveries(engine.db, input);
}
