import { describe, expect, it } from 'vitest';
import {
  ApprovalNotification,
  BreakerNotification,
  jsonWebhookBody,
  notificationSummary,
  sampleApprovalNotification,
  slackEscape,
  slackWebhookBody,
  WebhookNotification,
  WebhookUrl,
  BudgetNotification,
  notificationTeamId,
} from './notifications';

const requested: ApprovalNotification = {
  kind: 'approval.requested',
  approval: {
    id: 'a1',
    runId: 'r1',
    agentId: 'g1',
    agentName: 'researcher',
    teamId: 't1',
    teamName: 'research',
    tool: 'shell',
    args: { command: 'echo <b>&</b>' },
    ruleId: 'r-shell',
    risk: 'high',
    expiresAt: '2026-11-22T20:00:00.000Z',
    url: '/approvals/a1',
  },
  at: '2026-11-22T19:45:00.000Z',
};
const decided: ApprovalNotification = {
  ...requested,
  kind: 'approval.decided',
  decision: {
    outcome: 'approved',
    by: { kind: 'user', id: 'alice' },
    reason: 'fine <really>',
    edited: true,
  },
};

describe('ApprovalNotification', () => {
  it('accepts the shapes the approvals side sends', () => {
    expect(ApprovalNotification.parse(requested)).toEqual(requested);
    expect(ApprovalNotification.parse(decided)).toEqual(decided);
    expect(ApprovalNotification.parse(sampleApprovalNotification(new Date()))).toBeTruthy();
  });

  it.each([
    ['an unknown kind', { ...requested, kind: 'approval.maybe' }],
    ['an absolute url', { ...requested, approval: { ...requested.approval, url: 'https://x/y' } }],
    [
      'a protocol-relative url',
      { ...requested, approval: { ...requested.approval, url: '//x/y' } },
    ],
    ['a bad date', { ...requested, at: 'yesterday' }],
    ['an extra key', { ...requested, extra: 1 }],
  ])('refuses %s', (_label, value) => {
    expect(ApprovalNotification.safeParse(value).success).toBe(false);
  });
});

describe('webhook bodies', () => {
  it('JSON: the notification as is, with type and an absolute link', () => {
    expect(jsonWebhookBody(decided, { publicUrl: 'https://fd.example/' })).toEqual({
      type: 'approval.decided',
      ...decided,
      link: 'https://fd.example/approvals/a1',
    });
    expect(jsonWebhookBody(requested, { publicUrl: 'http://x', test: true })).toMatchObject({
      test: true,
    });
  });

  it('summaries say what happened', () => {
    expect(notificationSummary(requested)).toBe(
      'Approval requested: researcher (research) wants to run shell',
    );
    expect(notificationSummary(decided)).toBe(
      'Approval decided: researcher (research) wants to run shell: approved with edited arguments by user alice',
    );
    expect(notificationSummary({ ...requested, kind: 'approval.expired' })).toMatch(
      /no decision in time$/,
    );
    expect(notificationSummary({ ...requested, kind: 'approval.expiring' })).toMatch(
      /expires at 2026-11-22T20:00:00.000Z$/,
    );
  });

  it('Slack: text, blocks with escaped user text, and a link button to the approval', () => {
    const body = slackWebhookBody(decided, { publicUrl: 'https://fd.example' });
    expect(body.text).toBe(notificationSummary(decided));
    const json = JSON.stringify(body.blocks);
    expect(json).toContain('echo &lt;b&gt;&amp;&lt;/b&gt;');
    expect(json).toContain('fine &lt;really&gt;');
    expect(json).not.toContain('<really>');
    const actions = body.blocks.at(-1) as { type: string; elements: { url: string }[] };
    expect(actions.type).toBe('actions');
    expect(actions.elements[0]!.url).toBe('https://fd.example/approvals/a1');
  });

  it('Slack: test notifications say so, and huge arguments are clipped', () => {
    const big = {
      ...requested,
      approval: { ...requested.approval, args: { blob: 'x'.repeat(10_000) } },
    };
    const body = slackWebhookBody(big, { publicUrl: 'http://x', test: true });
    expect(body.text.startsWith('[test] ')).toBe(true);
    expect(JSON.stringify(body.blocks).length).toBeLessThan(5000);
  });

  it('escapes only what Slack needs escaped', () => {
    expect(slackEscape('a & b < c > d "e"')).toBe('a &amp; b &lt; c &gt; d "e"');
  });
});

describe('WebhookUrl', () => {
  it.each(['https://hooks.slack.com/services/T/B/X', 'http://127.0.0.1:8080/hook'])(
    'accepts %s',
    (url) => expect(WebhookUrl.safeParse(url).success).toBe(true),
  );
  it.each([
    'ftp://example.com/',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'https://user:pass@example.com/',
    '/relative',
    `https://example.com/${'x'.repeat(2000)}`,
  ])('refuses %s', (url) => expect(WebhookUrl.safeParse(url).success).toBe(false));
});

describe('breaker notifications', () => {
  const opened: BreakerNotification = {
    kind: 'breaker.opened',
    breaker: {
      key: 'cycle',
      title: 'Loop',
      runId: '0f5e8c1a-1111-4222-8333-444455556666',
      teamId: 't1',
      teamName: 'research',
      reason: 'a cycle of 2 calls (fs.write → fs.read) repeated 3 times in a row by lead',
      evidence: ['lead: fs.write {"path":"a.md"}', 'lead: fs.read {"path":"<a>.md"}'],
      agents: ['lead'],
      by: null,
      url: '/runs/0f5e8c1a-1111-4222-8333-444455556666?tab=breakers',
    },
    at: '2026-11-22T19:00:00.000Z',
  };

  it('are webhook notifications of their own kinds', () => {
    expect(WebhookNotification.parse(opened)).toEqual(opened);
    expect(BreakerNotification.safeParse({ ...opened, kind: 'approval.requested' }).success).toBe(
      false,
    );
    expect(ApprovalNotification.safeParse({ ...opened, kind: 'approval.requested' }).success).toBe(
      false,
    );
  });

  it('say what tripped, where, and what it holds; JSON links to the run', () => {
    expect(notificationSummary(opened)).toBe(
      'Circuit breaker tripped: Loop (research run 0f5e8c1a), lead paused: a cycle of 2 calls (fs.write → fs.read) repeated 3 times in a row by lead',
    );
    const closed: BreakerNotification = {
      ...opened,
      kind: 'breaker.closed',
      breaker: { ...opened.breaker, agents: [], by: { kind: 'user', id: 'ada' }, reason: 'fixed' },
    };
    expect(notificationSummary(closed)).toBe(
      'Circuit breaker closed: Loop (research run 0f5e8c1a) by user ada: fixed',
    );
    expect(jsonWebhookBody(opened, { publicUrl: 'https://fd.example' })).toMatchObject({
      type: 'breaker.opened',
      breaker: { key: 'cycle' },
      link: 'https://fd.example/runs/0f5e8c1a-1111-4222-8333-444455556666?tab=breakers',
    });
  });

  it('Slack: the evidence, escaped, and a button to the run', () => {
    const body = slackWebhookBody(opened, { publicUrl: 'https://fd.example' });
    const json = JSON.stringify(body.blocks);
    expect(json).toContain('&lt;a&gt;.md');
    expect(json).toContain('Evidence');
    const actions = body.blocks.at(-1) as { elements: { url: string; style: string }[] };
    expect(actions.elements[0]).toMatchObject({
      url: 'https://fd.example/runs/0f5e8c1a-1111-4222-8333-444455556666?tab=breakers',
      style: 'danger',
    });
  });
});

describe('budget notifications', () => {
  const stop: BudgetNotification = {
    kind: 'budget.exceeded',
    budget: {
      runId: 'run-1',
      teamId: 'team-1',
      teamName: 'research',
      scope: 'the run',
      metric: 'usd',
      limit: 50_000,
      used: 49_000,
      reason: 'the run: spend hard limit $0.05 reached',
      url: '/runs/run-1?tab=budget',
    },
    at: '2026-11-23T10:00:00.000Z',
  };

  it('is a webhook notification of its own kind, about its team', () => {
    expect(WebhookNotification.parse(stop)).toEqual(stop);
    expect(notificationTeamId(stop)).toBe('team-1');
    expect(BudgetNotification.safeParse({ ...stop, kind: 'approval.requested' }).success).toBe(
      false,
    );
    expect(
      BudgetNotification.safeParse({ ...stop, budget: { ...stop.budget, url: 'https://evil' } })
        .success,
    ).toBe(false);
  });

  it('links to the run in JSON and says what stopped it in Slack', () => {
    expect(jsonWebhookBody(stop, { publicUrl: 'https://fd.example/' })).toMatchObject({
      type: 'budget.exceeded',
      link: 'https://fd.example/runs/run-1?tab=budget',
    });
    const slack = slackWebhookBody(stop, { publicUrl: 'https://fd.example' });
    expect(slack.text).toBe(
      'Run stopped by its budget: research run run-1: the run: spend hard limit $0.05 reached',
    );
    expect(JSON.stringify(slack.blocks)).toContain('https://fd.example/runs/run-1?tab=budget');
    const warned = {
      ...stop,
      kind: 'budget.warned' as const,
      budget: { ...stop.budget, limit: 20_000 },
    };
    expect(notificationSummary(warned)).toBe(
      'Budget soft limit crossed: research run run-1: the run used $0.05 of spend (warn at $0.02)',
    );
  });
});
