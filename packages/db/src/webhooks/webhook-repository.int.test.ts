import { sampleApprovalNotification } from '@flightdeck/domain';
import type { TestDatabase } from '@flightdeck/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../client';
import { manifestFrom, RESEARCH_SOURCE } from '../test/fixtures';
import { saveTeamManifest } from '../teams/team-repository';
import { createMigratedTestDatabase } from '../testing';
import {
  deleteWebhook,
  findWebhooksFor,
  getDeliveryTask,
  insertDeliveries,
  insertWebhook,
  listDeliveries,
  listWebhooks,
  recordDeliveryAttempt,
  updateWebhook,
  type NewWebhook,
} from './webhook-repository';

let database: TestDatabase;
let db: Db;
let teamId: string;

beforeAll(async () => {
  database = await createMigratedTestDatabase('webhook_repository');
  db = createDb({ databaseUrl: database.url });
  ({ teamId } = await saveTeamManifest(db, {
    manifest: manifestFrom(RESEARCH_SOURCE),
    source: RESEARCH_SOURCE,
  }));
});
afterAll(async () => {
  await db.close();
  await database.drop();
});

const base: NewWebhook = {
  name: 'hook',
  url: 'https://example.com/hook',
  secret: 'whsec_abcdefghijklmnop',
  format: 'json',
  events: ['approval.requested'],
  enabled: true,
  teamId: null,
};

describe('webhook repository', () => {
  it('stores webhooks without handing out their secret, and finds the ones a notification is for', async () => {
    const all = await insertWebhook(db, { ...base, name: 'all' });
    const team = await insertWebhook(db, { ...base, name: 'team', teamId });
    await insertWebhook(db, { ...base, name: 'off', enabled: false });
    await insertWebhook(db, { ...base, name: 'expired', events: ['approval.expired'] });
    expect(all).toMatchObject({ name: 'all', secretHint: 'mnop', events: ['approval.requested'] });
    expect(JSON.stringify(await listWebhooks(db))).not.toContain(base.secret);

    const names = async (teamIdOf: string) =>
      (await findWebhooksFor(db, { kind: 'approval.requested', teamId: teamIdOf }))
        .map((w) => w.name)
        .sort();
    expect(await names(teamId)).toEqual(['all', 'team']);
    expect(await names('00000000-0000-4000-8000-000000000000')).toEqual(['all']);
    expect(await names('not-a-uuid')).toEqual(['all']);

    expect(await updateWebhook(db, team.id, { enabled: false, name: 'renamed' })).toMatchObject({
      enabled: false,
      name: 'renamed',
    });
    expect(await names(teamId)).toEqual(['all']);
    expect(await updateWebhook(db, '00000000-0000-4000-8000-000000000000', {})).toBeNull();
  });

  it('records attempts on deliveries and deletes them with their webhook', async () => {
    const hook = await insertWebhook(db, { ...base, name: 'deliveries' });
    const notification = sampleApprovalNotification(new Date());
    const [first] = await insertDeliveries(db, { webhookIds: [hook.id], notification });
    const [second] = await insertDeliveries(db, {
      webhookIds: [hook.id],
      notification,
      isTest: true,
    });
    expect(first).toMatchObject({ status: 'pending', attempts: 0, isTest: false });

    const task = await getDeliveryTask(db, first!.id);
    expect(task?.notification).toEqual(notification);
    expect(task?.webhook).toMatchObject({ secret: base.secret, url: base.url, enabled: true });

    await recordDeliveryAttempt(db, first!.id, {
      status: 'pending',
      attempts: 1,
      lastError: 'HTTP 500',
      responseStatus: 500,
    });
    await recordDeliveryAttempt(db, first!.id, {
      status: 'delivered',
      attempts: 2,
      lastError: null,
      responseStatus: 200,
    });
    const listed = await listDeliveries(db, { webhookId: hook.id, limit: 10 });
    expect(listed.map((d) => d.id).sort()).toEqual([first!.id, second!.id].sort());
    const done = listed.find((d) => d.id === first!.id);
    expect(done).toMatchObject({ status: 'delivered', attempts: 2, responseStatus: 200 });
    expect(done!.deliveredAt).toBeInstanceOf(Date);

    expect(await deleteWebhook(db, hook.id)).toBe(true);
    expect(await deleteWebhook(db, hook.id)).toBe(false);
    expect(await getDeliveryTask(db, first!.id)).toBeNull();
    // An attempt finishing after the delete changes nothing and does not throw.
    await recordDeliveryAttempt(db, first!.id, {
      status: 'failed',
      attempts: 3,
      lastError: 'x',
      responseStatus: null,
    });
    expect(await listDeliveries(db, { webhookId: hook.id, limit: 10 })).toEqual([]);
  });
});
