import { z } from 'zod';
import { BudgetMetric, formatBudgetAmount, metricName } from './budget/limits';

/**
 * Notifications sent to outgoing webhooks: about approvals (the approvals side
 * builds an `ApprovalNotification` and hands it to the engine's
 * `notifyApproval`) and about circuit breakers (`BreakerNotification`, from
 * `notifyBreaker`); the webhook side formats, signs and delivers them.
 */

export const APPROVAL_NOTIFICATION_KINDS = [
  'approval.requested',
  'approval.expiring',
  'approval.decided',
  'approval.expired',
] as const;
export const ApprovalNotificationKind = z.enum(APPROVAL_NOTIFICATION_KINDS);
export const BREAKER_NOTIFICATION_KINDS = ['breaker.opened', 'breaker.closed'] as const;
/** A soft limit crossed; a call refused at a hard limit (the run is stopped). */
export const BUDGET_NOTIFICATION_KINDS = ['budget.warned', 'budget.exceeded'] as const;
export const BudgetNotificationKind = z.enum(BUDGET_NOTIFICATION_KINDS);

export const NOTIFICATION_KINDS = [
  ...APPROVAL_NOTIFICATION_KINDS,
  ...BREAKER_NOTIFICATION_KINDS,
  ...BUDGET_NOTIFICATION_KINDS,
] as const;
export const NotificationKind = z.enum(NOTIFICATION_KINDS);
export type NotificationKind = z.infer<typeof NotificationKind>;
export type ApprovalNotificationKind = (typeof APPROVAL_NOTIFICATION_KINDS)[number];

const IsoDate = z.iso.datetime({ offset: true });

/** A path in the web app, made absolute with the public base URL when sent. */
const AppPath = z
  .string()
  .max(500)
  .regex(/^\/(?!\/)/, 'a path in the web app, such as /approvals/<id>');

export const ApprovalNotification = z
  .object({
    kind: ApprovalNotificationKind,
    approval: z
      .object({
        id: z.string().min(1).max(200),
        runId: z.string().min(1).max(200),
        agentId: z.string().min(1).max(200),
        agentName: z.string().max(200),
        teamId: z.string().min(1).max(200),
        teamName: z.string().max(200),
        tool: z.string().min(1).max(200),
        args: z.record(z.string(), z.unknown()),
        ruleId: z.string().max(200).nullable(),
        risk: z.string().max(2000).nullable(),
        expiresAt: IsoDate,
        /** A path in the web app (`/approvals/<id>`); made absolute with the public base URL when sent. */
        url: AppPath,
      })
      .strict(),
    decision: z
      .object({
        outcome: z.enum(['approved', 'denied', 'expired']),
        by: z
          .object({ kind: z.enum(['user', 'system', 'token']), id: z.string().min(1).max(200) })
          .strict()
          .nullable(),
        reason: z.string().max(4000),
        edited: z.boolean(),
      })
      .strict()
      .optional(),
    at: IsoDate,
  })
  .strict();
export type ApprovalNotification = z.infer<typeof ApprovalNotification>;

const NotifiedActor = z
  .object({ kind: z.enum(['user', 'system', 'token']), id: z.string().min(1).max(200) })
  .strict();

/** A circuit breaker of a run opened (what, why, the evidence, who it holds) or closed (by whom, why). */
export const BreakerNotification = z
  .object({
    kind: z.enum(BREAKER_NOTIFICATION_KINDS),
    breaker: z
      .object({
        key: z.string().min(1).max(120),
        title: z.string().max(200),
        runId: z.string().min(1).max(200),
        teamId: z.string().min(1).max(200),
        teamName: z.string().max(200),
        reason: z.string().max(2000),
        evidence: z.array(z.string().max(500)).max(20),
        /** Names of the agents it quarantined; empty: the whole run. */
        agents: z.array(z.string().max(200)).max(100),
        /** Who closed it (a person, or the system after a successful probe). */
        by: NotifiedActor.nullable(),
        url: AppPath,
      })
      .strict(),
    at: IsoDate,
  })
  .strict();
export type BreakerNotification = z.infer<typeof BreakerNotification>;

/** A budget alert: which run, which scope and metric, the limit and what was used. */
export const BudgetNotification = z
  .object({
    kind: BudgetNotificationKind,
    budget: z
      .object({
        runId: z.string().min(1).max(200),
        teamId: z.string().min(1).max(200),
        teamName: z.string().max(200),
        /** The scope in words: `the run`, `the team's day (2026-11-23)`. */
        scope: z.string().max(200),
        metric: BudgetMetric,
        /** The soft limit (warned) or the hard limit (exceeded), in the metric's unit. */
        limit: z.number().int().nonnegative(),
        used: z.number().int().nonnegative(),
        reason: z.string().max(2000),
        url: AppPath,
      })
      .strict(),
    at: IsoDate,
  })
  .strict();
export type BudgetNotification = z.infer<typeof BudgetNotification>;

/** Anything a webhook may be sent. */
export const WebhookNotification = z.union([
  ApprovalNotification,
  BreakerNotification,
  BudgetNotification,
]);
export type WebhookNotification = z.infer<typeof WebhookNotification>;

const isBudget = (n: WebhookNotification): n is BudgetNotification => 'budget' in n;
/** The part of a notification that names what it is about. */
const subjectOf = (n: WebhookNotification) =>
  isBudget(n) ? n.budget : 'breaker' in n ? n.breaker : n.approval;
export const notificationUrl = (n: WebhookNotification): string => subjectOf(n).url;
/** The team a notification is about (webhooks may be limited to one team). */
export const notificationTeamId = (n: WebhookNotification): string => subjectOf(n).teamId;

/** How a webhook's body is shaped: the notification as JSON, or a Slack incoming-webhook message. */
export const WEBHOOK_FORMATS = ['json', 'slack'] as const;
export const WebhookFormat = z.enum(WEBHOOK_FORMATS);
export type WebhookFormat = z.infer<typeof WebhookFormat>;

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const MAX_WEBHOOK_URL_LENGTH = 2000;

/**
 * A webhook target: an absolute http(s) URL without credentials. Private and
 * loopback hosts are allowed (only admins configure webhooks, and nothing of
 * the response but its status code is kept).
 */
export const WebhookUrl = z
  .string()
  .trim()
  .max(MAX_WEBHOOK_URL_LENGTH)
  .refine((value) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return false;
    }
    return (
      (url.protocol === 'http:' || url.protocol === 'https:') &&
      url.username === '' &&
      url.password === '' &&
      url.hostname !== ''
    );
  }, 'an absolute http:// or https:// URL without user:password');

/** The body sent for the JSON format: the notification as is, with its kind as `type` and an absolute `link`. */
export function jsonWebhookBody(
  notification: WebhookNotification,
  options: { publicUrl: string; test?: boolean },
): Record<string, unknown> {
  return {
    type: notification.kind,
    ...notification,
    link: absoluteLink(options.publicUrl, notificationUrl(notification)),
    ...(options.test ? { test: true } : {}),
  };
}

export function absoluteLink(publicUrl: string, path: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${path}`;
}

const HEADLINES: Record<NotificationKind, string> = {
  'approval.requested': 'Approval requested',
  'approval.expiring': 'Approval expiring soon',
  'approval.decided': 'Approval decided',
  'approval.expired': 'Approval expired',
  'breaker.opened': 'Circuit breaker tripped',
  'breaker.closed': 'Circuit breaker closed',
  'budget.warned': 'Budget soft limit crossed',
  'budget.exceeded': 'Run stopped by its budget',
};

const OUTCOMES = { approved: 'approved', denied: 'denied', expired: 'expired' } as const;

/** Slack mrkdwn: `&`, `<` and `>` must be escaped in any text we did not write. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A one-line summary of a notification (Slack's `text`, used for notifications and fallbacks). */
export function notificationSummary(n: WebhookNotification): string {
  if ('breaker' in n) {
    const b = n.breaker;
    const where = `${b.teamName || b.teamId} run ${b.runId.slice(0, 8)}`;
    if (n.kind === 'breaker.closed')
      return `${HEADLINES[n.kind]}: ${b.title} (${where}) by ${b.by ? `${b.by.kind} ${b.by.id}` : 'the system'}${b.reason ? `: ${b.reason}` : ''}`;
    const held = b.agents.length ? `${b.agents.join(', ')} paused` : 'the whole run paused';
    return `${HEADLINES[n.kind]}: ${b.title} (${where}), ${held}: ${b.reason}`;
  }
  if (isBudget(n)) {
    const b = n.budget;
    const f = (amount: number) => formatBudgetAmount(b.metric, amount);
    return n.kind === 'budget.warned'
      ? `${HEADLINES[n.kind]}: ${b.teamName || b.teamId} run ${b.runId}: ${b.scope} used ${f(b.used)} of ${metricName(b.metric)} (warn at ${f(b.limit)})`
      : `${HEADLINES[n.kind]}: ${b.teamName || b.teamId} run ${b.runId}: ${b.reason}`;
  }
  return approvalSummary(n);
}

function approvalSummary(n: ApprovalNotification): string {
  const who = `${n.approval.agentName || n.approval.agentId} (${n.approval.teamName || n.approval.teamId})`;
  const base = `${HEADLINES[n.kind]}: ${who} wants to run ${n.approval.tool}`;
  if (n.kind === 'approval.decided' && n.decision) {
    const by = n.decision.by ? ` by ${n.decision.by.kind} ${n.decision.by.id}` : '';
    const edited = n.decision.edited ? ' with edited arguments' : '';
    return `${base}: ${OUTCOMES[n.decision.outcome]}${edited}${by}`;
  }
  if (n.kind === 'approval.expired') return `${base}: no decision in time`;
  if (n.kind === 'approval.expiring') return `${base}: expires at ${n.approval.expiresAt}`;
  return base;
}

/** The body sent for the Slack format: `{ text, blocks }` for a Slack incoming webhook. */
export function slackWebhookBody(
  notification: WebhookNotification,
  options: { publicUrl: string; test?: boolean },
): { text: string; blocks: unknown[] } {
  if ('breaker' in notification) return slackBreakerBody(notification, options);
  const n = notification;
  const prefix = options.test ? '[test] ' : '';
  const text = clip(`${prefix}${notificationSummary(n)}`, 3000);
  if (isBudget(n)) {
    const b = n.budget;
    return {
      text,
      blocks: [
        {
          type: 'header',
          text: { type: 'plain_text', text: clip(`${prefix}${HEADLINES[n.kind]}`, 150) },
        },
        { type: 'section', text: { type: 'mrkdwn', text: slackEscape(text) } },
        {
          type: 'section',
          fields: [
            `*Team*\n${slackEscape(b.teamName || b.teamId)}`,
            `*Scope*\n${slackEscape(b.scope)}`,
            `*Limit*\n${formatBudgetAmount(b.metric, b.limit)}`,
            `*Used*\n${formatBudgetAmount(b.metric, b.used)}`,
          ].map((f) => ({ type: 'mrkdwn', text: f })),
        },
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              text: { type: 'plain_text', text: 'Open the run' },
              url: absoluteLink(options.publicUrl, b.url),
              ...(n.kind === 'budget.exceeded' ? { style: 'danger' } : {}),
            },
          ],
        },
      ],
    };
  }
  const args = clip(JSON.stringify(n.approval.args, null, 2), 2000);
  const fields = [
    `*Team*\n${slackEscape(n.approval.teamName || n.approval.teamId)}`,
    `*Agent*\n${slackEscape(n.approval.agentName || n.approval.agentId)}`,
    `*Tool*\n\`${slackEscape(n.approval.tool)}\``,
    `*Expires*\n${n.approval.expiresAt}`,
  ];
  if (n.approval.risk) fields.push(`*Risk*\n${slackEscape(n.approval.risk)}`);
  if (n.decision) {
    const by = n.decision.by ? `${n.decision.by.kind} ${n.decision.by.id}` : 'nobody';
    fields.push(
      `*Outcome*\n${OUTCOMES[n.decision.outcome]}${n.decision.edited ? ' (edited)' : ''} by ${slackEscape(by)}`,
    );
  }
  const blocks: unknown[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: clip(`${prefix}${HEADLINES[n.kind]}`, 150) },
    },
    { type: 'section', text: { type: 'mrkdwn', text: slackEscape(text) } },
    {
      type: 'section',
      fields: fields.map((f) => ({ type: 'mrkdwn', text: clip(f, 2000) })),
    },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: `*Arguments*\n\`\`\`${slackEscape(args)}\`\`\`` },
    },
  ];
  if (n.decision?.reason) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `*Reason*\n${slackEscape(clip(n.decision.reason, 2000))}` },
    });
  }
  blocks.push({
    type: 'actions',
    elements: [
      {
        type: 'button',
        text: { type: 'plain_text', text: n.kind === 'approval.requested' ? 'Review' : 'Open' },
        url: absoluteLink(options.publicUrl, n.approval.url),
        ...(n.kind === 'approval.requested' || n.kind === 'approval.expiring'
          ? { style: 'primary' }
          : {}),
      },
    ],
  });
  return { text, blocks };
}

function slackBreakerBody(
  n: BreakerNotification,
  options: { publicUrl: string; test?: boolean },
): { text: string; blocks: unknown[] } {
  const prefix = options.test ? '[test] ' : '';
  const b = n.breaker;
  const text = clip(`${prefix}${notificationSummary(n)}`, 3000);
  const fields = [
    `*Team*\n${slackEscape(b.teamName || b.teamId)}`,
    `*Breaker*\n${slackEscape(b.title)}`,
    `*Holds*\n${slackEscape(b.agents.length ? b.agents.join(', ') : 'the whole run')}`,
  ];
  if (b.by) fields.push(`*Closed by*\n${slackEscape(`${b.by.kind} ${b.by.id}`)}`);
  const blocks: unknown[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: clip(`${prefix}${HEADLINES[n.kind]}`, 150) },
    },
    { type: 'section', text: { type: 'mrkdwn', text: slackEscape(text) } },
    { type: 'section', fields: fields.map((f) => ({ type: 'mrkdwn', text: clip(f, 2000) })) },
  ];
  if (b.evidence.length) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*Evidence*\n\`\`\`${slackEscape(clip(b.evidence.join('\n'), 2500))}\`\`\``,
      },
    });
  }
  blocks.push({
    type: 'actions',
    elements: [
      {
        type: 'button',
        text: { type: 'plain_text', text: n.kind === 'breaker.opened' ? 'Review' : 'Open' },
        url: absoluteLink(options.publicUrl, b.url),
        ...(n.kind === 'breaker.opened' ? { style: 'danger' } : {}),
      },
    ],
  });
  return { text, blocks };
}

/** A notification to send with the "test" button: plausible, clearly fake. */
export function sampleApprovalNotification(at: Date): ApprovalNotification {
  return {
    kind: 'approval.requested',
    approval: {
      id: 'test',
      runId: 'test-run',
      agentId: 'test-agent',
      agentName: 'researcher',
      teamId: 'test-team',
      teamName: 'example-team',
      tool: 'shell',
      args: { command: 'git status' },
      ruleId: null,
      risk: 'low',
      expiresAt: new Date(at.getTime() + 15 * 60_000).toISOString(),
      url: '/approvals/test',
    },
    at: at.toISOString(),
  };
}
