import { matchesPathGlob, matchesPattern } from '../manifest/grants';
import type { z } from 'zod';
import type { DecisionSource } from '../events/schema';
import type { ApprovalSettings, Effect, PolicyRule } from './rules';

/**
 * The policy evaluator: pure and synchronous. The first rule that matches a
 * call decides it; a tool call no rule matches is denied. Rules naming an
 * agent apply to its subagents too, so a deny on a lead binds everything it
 * spawns.
 */

export interface GateRequest {
  /** A tool call, or a model call (`tool` is then `model`). */
  subject: 'tool' | 'model';
  tool: string;
  args: Readonly<Record<string, unknown>>;
  agent: {
    key: string;
    /** Keys of its ancestors, parent first. */
    ancestors: readonly string[];
    depth: number;
    turn: number;
  };
  run: {
    costMicroUsd: number;
    /** `ask` rules an approver allowed for the rest of the run. */
    allowedRules: readonly string[];
  };
}

export interface PolicyLayer {
  source: 'manifest' | 'team';
  rules: readonly PolicyRule[];
}

export interface EffectivePolicy {
  /** `m<manifest version>.t<team policy version>`: recorded with every decision. */
  version: string;
  /** Checked in order: the manifest's rules, then the team's defaults. */
  layers: readonly PolicyLayer[];
  approvals: ApprovalSettings;
}

export interface GateDecision {
  effect: Effect;
  ruleId: string | null;
  source: z.infer<typeof DecisionSource>;
  policyVersion: string;
  reason: string;
  /** For `ask`: the rule's risk note and the approval settings that apply. */
  risk?: string;
  approval?: ApprovalSettings;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/** Whether one rule matches one call. Every condition the rule states must hold. */
export function ruleMatches(rule: PolicyRule, request: GateRequest): boolean {
  if (!matchesPattern(rule.tool, request.tool)) return false;
  const { agent, args } = request;
  if (rule.agents && !rule.agents.some((k) => k === agent.key || agent.ancestors.includes(k)))
    return false;
  if (rule.paths) {
    const path = request.tool.startsWith('fs.') ? (str(args.path) ?? '.') : undefined;
    if (path === undefined || !rule.paths.some((g) => matchesPathGlob(g, path))) return false;
  }
  if (rule.commands) {
    const command = str(args.command)?.trim();
    if (command === undefined || !rule.commands.some((p) => matchesPattern(p, command)))
      return false;
  }
  if (rule.hosts) {
    const host = hostOf(str(args.url));
    if (!host || !rule.hosts.some((p) => matchesPattern(p.toLowerCase(), host))) return false;
  }
  if (rule.methods) {
    const method = (str(args.method) ?? 'GET').toUpperCase();
    if (!rule.methods.some((m) => m === method)) return false;
  }
  if (rule.models) {
    const model = str(args.model);
    if (model === undefined || !rule.models.some((p) => matchesPattern(p, model))) return false;
  }
  const when = rule.when;
  if (when) {
    if (when.minTurn !== undefined && agent.turn < when.minTurn) return false;
    if (when.maxTurn !== undefined && agent.turn > when.maxTurn) return false;
    if (when.minDepth !== undefined && agent.depth < when.minDepth) return false;
    if (when.maxDepth !== undefined && agent.depth > when.maxDepth) return false;
    if (when.minRunCostUsd !== undefined && request.run.costMicroUsd < when.minRunCostUsd * 1e6)
      return false;
  }
  return true;
}

export function evaluatePolicy(policy: EffectivePolicy, request: GateRequest): GateDecision {
  const base = { policyVersion: policy.version };
  for (const layer of policy.layers) {
    for (const rule of layer.rules) {
      if (!ruleMatches(rule, request)) continue;
      const why = rule.reason ? `: ${rule.reason}` : '';
      if (rule.effect === 'ask' && request.run.allowedRules.includes(rule.id)) {
        return {
          ...base,
          effect: 'allow',
          ruleId: rule.id,
          source: 'run',
          reason: `rule "${rule.id}" was allowed for the rest of this run by an approver`,
        };
      }
      return {
        ...base,
        effect: rule.effect,
        ruleId: rule.id,
        source: layer.source,
        reason: `${rule.effect} by ${layer.source === 'team' ? 'team default' : 'manifest'} rule "${rule.id}"${why}`,
        ...(rule.effect === 'ask'
          ? {
              risk: rule.risk,
              approval: { ...policy.approvals, ...rule.approval },
            }
          : {}),
      };
    }
  }
  // Model calls are bounded by scope: the agent's declared model is its only one.
  if (request.subject === 'model')
    return {
      ...base,
      effect: 'allow',
      ruleId: null,
      source: 'scope',
      reason: "the agent's declared model; no rule restricts it",
    };
  return {
    ...base,
    effect: 'deny',
    ruleId: null,
    source: 'default',
    reason: `no policy rule allows ${request.tool} for ${request.agent.key}: undeclared means denied`,
  };
}

/** The rules that can apply to an agent, in the order they are checked: its effective policy. */
export function rulesForAgent(
  policy: EffectivePolicy,
  agent: { key: string; ancestors: readonly string[] },
): Array<PolicyRule & { source: PolicyLayer['source']; inheritedFrom: string | null }> {
  return policy.layers.flatMap((layer) =>
    layer.rules
      .filter(
        (r) => !r.agents || r.agents.some((k) => k === agent.key || agent.ancestors.includes(k)),
      )
      .map((r) => ({
        ...r,
        source: layer.source,
        inheritedFrom:
          !r.agents || r.agents.includes(agent.key)
            ? null
            : (agent.ancestors.find((k) => r.agents!.includes(k)) ?? null),
      })),
  );
}
