import { z } from 'zod';

/**
 * Policy rules: ordered, each with a match and an effect. The first rule that
 * matches a call decides it; a call no rule matches is denied. Declared once
 * here and used by the manifest (its `policy`) and by a team's default rules
 * set in the browser (checked after the manifest's).
 */

export const Effect = z.enum(['allow', 'deny', 'ask']);
export type Effect = z.infer<typeof Effect>;

const RuleId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,79}$/, 'a rule id: lowercase letters, digits, ., _ and -');
const Pattern = z.string().min(1).max(500);
const Patterns = z.array(Pattern).min(1).max(64);

/** What happens when nobody decides an approval in time: expiry is its own outcome, then this applies. */
export const OnExpiry = z.enum(['deny', 'allow']);

export const ApprovalSettings = z
  .object({
    /** Roles of the people who may decide. */
    approverRoles: z
      .array(z.enum(['approver', 'admin']))
      .min(1)
      .default(['approver', 'admin']),
    /** Distinct approvers needed to approve (any one may deny). */
    quorum: z.number().int().min(1).max(10).default(1),
    /** How long an approval waits for a decision, in seconds. */
    ttlSeconds: z
      .number()
      .int()
      .min(5)
      .max(7 * 24 * 3600)
      .default(900),
    /** A warning goes out this many seconds before it expires. */
    warnBeforeSeconds: z
      .number()
      .int()
      .min(0)
      .max(24 * 3600)
      .default(120),
    onExpiry: OnExpiry.default('deny'),
    /** Only people with access to the run's team may decide. */
    teamScoped: z.boolean().default(false),
  })
  .strict();
export type ApprovalSettings = z.infer<typeof ApprovalSettings>;
export const DEFAULT_APPROVAL_SETTINGS: ApprovalSettings = ApprovalSettings.parse({});

/** Conditions on the run's state at the time of the call. */
const RunCondition = z
  .object({
    /** The agent's turn number is at least / at most this. */
    minTurn: z.number().int().min(1).optional(),
    maxTurn: z.number().int().min(1).optional(),
    /** The run has spent at least this many US dollars. */
    minRunCostUsd: z.number().min(0).optional(),
    /** The agent's depth in the spawn tree (the lead is 0) is at least / at most this. */
    minDepth: z.number().int().min(0).optional(),
    maxDepth: z.number().int().min(0).optional(),
  })
  .strict();
export type RunCondition = z.infer<typeof RunCondition>;

export const PolicyRule = z
  .object({
    id: RuleId,
    effect: Effect,
    /**
     * Tool name pattern: `fs.write`, `fs.*`, `shell`, `http.fetch`, `delegate`,
     * `mcp.github.create_*` (MCP tools are `mcp.<server>.<tool>`), `*`; or
     * `model` for model calls.
     */
    tool: Pattern,
    /** Agent keys it applies to, and every subagent below them; all agents when absent. */
    agents: z.array(z.string().min(1).max(63)).min(1).max(64).optional(),
    /** fs tools: workspace-relative path globs of the `path` argument. */
    paths: Patterns.optional(),
    /** shell: command-line patterns of the `command` argument. */
    commands: Patterns.optional(),
    /** http.fetch: host patterns of the `url` argument. */
    hosts: Patterns.optional(),
    /** http.fetch: methods. */
    methods: z
      .array(z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']))
      .min(1)
      .optional(),
    /** model: `provider/name` patterns of the model called. */
    models: Patterns.optional(),
    when: RunCondition.optional(),
    /** Why the rule exists: shown with each decision it makes. */
    reason: z.string().max(1000).optional(),
    /** For `ask`: blast radius, reversibility, how to roll back; shown to approvers. */
    risk: z.string().max(2000).optional(),
    /** For `ask`: overrides of the policy's approval settings. */
    approval: ApprovalSettings.partial().optional(),
  })
  .strict();
export type PolicyRule = z.infer<typeof PolicyRule>;

export const PolicyRules = z
  .array(PolicyRule)
  .max(256)
  .superRefine((rules, ctx) => {
    rules.forEach((rule, i) => {
      if (rules.findIndex((r) => r.id === rule.id) !== i)
        ctx.addIssue({
          code: 'custom',
          path: [i, 'id'],
          message: `rule id "${rule.id}" is used twice`,
        });
      if (rule.tool === 'model' && rule.effect === 'ask')
        ctx.addIssue({
          code: 'custom',
          path: [i, 'effect'],
          message: 'model calls can be allowed or denied, not asked about',
        });
      if (rule.approval && rule.effect !== 'ask')
        ctx.addIssue({
          code: 'custom',
          path: [i, 'approval'],
          message: 'approval settings only apply to rules whose effect is ask',
        });
    });
  });

export const Policy = z
  .object({
    rules: PolicyRules.default([]),
    /** Defaults for every `ask` rule of this policy. */
    approvals: ApprovalSettings.default(DEFAULT_APPROVAL_SETTINGS),
  })
  .strict();
export type Policy = z.infer<typeof Policy>;
