import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { ModelRef } from '../events/schema';
import { McpServer, ToolGrant } from './grants';
import { explainWidening } from './narrowing';
import { Policy } from '../policy/rules';
import { BreakerOverrides } from '../breakers/thresholds';
import { HumanBudget } from '../budget/limits';

/**
 * The one manifest schema: a team declared in YAML or JSON. Everything an agent
 * may use is declared here; what is not declared does not exist for it.
 */

const Slug = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes, starting with a letter');

const AgentKey = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,62}$/, 'an agent key: lowercase letters, digits, - and _');

/** `provider/model`, e.g. `simulated/gpt-4o-mini`; the parsed object form is accepted too. */
const ModelString = z
  .union([z.string(), ModelRef.transform((m) => `${m.provider}/${m.name}`)])
  .transform((value, ctx): ModelRef => {
    const slash = value.indexOf('/');
    const parsed = ModelRef.safeParse({
      provider: value.slice(0, slash),
      name: value.slice(slash + 1),
    });
    if (slash <= 0 || !parsed.success) {
      ctx.addIssue({
        code: 'custom',
        message: `expected "provider/model" with provider simulated, openai or anthropic (e.g. simulated/gpt-4o-mini), got "${value}"`,
      });
      return z.NEVER;
    }
    return parsed.data;
  });

const AgentLimits = z
  .object({
    maxTurns: z.number().int().min(1).max(1000).default(20),
    maxOutputTokens: z.number().int().min(16).max(200_000).default(1024),
  })
  .strict();

export const AgentSpec = z
  .object({
    role: z.string().min(1).max(200),
    model: ModelString,
    system: z.string().max(20_000).default(''),
    tools: z.array(ToolGrant).max(64).default([]),
    /** Agents of this team it may delegate to, by key. */
    delegates: z.array(AgentKey).max(32).default([]),
    /** Models this agent's subagents may use (its own model is always allowed). */
    models: z.array(ModelString).max(32).default([]),
    limits: AgentLimits.default({ maxTurns: 20, maxOutputTokens: 1024 }),
  })
  .strict();
export type AgentSpec = z.infer<typeof AgentSpec>;

const TeamLimits = z
  .object({
    maxDepth: z.number().int().min(0).max(10).default(3),
    maxChildrenPerAgent: z.number().int().min(0).max(100).default(8),
    maxConcurrentAgents: z.number().int().min(1).max(1000).default(16),
  })
  .strict();

const Simulation = z
  .object({
    /** Latency of each simulated model call, in milliseconds. */
    latencyMs: z.number().int().min(0).max(60_000).default(300),
    /** Probability that a simulated agent makes a failing tool call on a step. */
    errorRate: z.number().min(0).max(1).default(0.1),
    /** Steps each worker agent takes before it reports, at least and at most. */
    minSteps: z.number().int().min(1).max(50).default(2),
    maxSteps: z.number().int().min(1).max(50).default(4),
    /**
     * A runaway, on purpose (to see breakers trip): the listed agents (all when
     * none are listed) ignore their task and make these calls in order, `times`
     * over, before they report.
     */
    loop: z
      .object({
        agents: z.array(AgentKey).max(32).default([]),
        calls: z
          .array(
            z
              .object({
                tool: z.string().min(1).max(200),
                args: z.record(z.string(), z.unknown()).default({}),
              })
              .strict(),
          )
          .min(1)
          .max(64),
        times: z.number().int().min(1).max(1000).default(10),
      })
      .strict()
      .optional(),
  })
  .strict();

export const Manifest = z
  .object({
    name: Slug,
    description: z.string().max(2000).default(''),
    lead: AgentKey,
    agents: z.record(AgentKey, AgentSpec),
    limits: TeamLimits.default({ maxDepth: 3, maxChildrenPerAgent: 8, maxConcurrentAgents: 16 }),
    /** MCP servers (stdio) whose tools agents may be granted as `mcp.<server>`. */
    mcpServers: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/), McpServer).default({}),
    simulation: Simulation.default({ latencyMs: 300, errorRate: 0.1, minSteps: 2, maxSteps: 4 }),
    /**
     * Ordered rules deciding each call: allow, deny or ask a human. A tool call no
     * rule allows is denied. The team's default rules (set in the browser) follow these.
     */
    policy: Policy.default({ rules: [], approvals: Policy.shape.approvals.parse(undefined) }),
    /**
     * Circuit breaker thresholds for this team's runs, over the team's defaults
     * (set in the browser) and the built-in ones: only what is written here
     * changes. See breakers/thresholds.ts for each breaker.
     */
    breakers: BreakerOverrides.default({}),
    /**
     * The run's budget: soft (warn) and hard (stop) limits on dollars, tokens,
     * model calls, tool calls, turns and wall time. `usd: 2` is a hard limit;
     * `usd: { soft: 1, hard: 2 }` warns at $1. Each run starts with it; an
     * operator can change it while the run runs.
     */
    budget: HumanBudget.optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (!m.agents[m.lead]) {
      ctx.addIssue({
        code: 'custom',
        path: ['lead'],
        message: `names no agent: declared agents are ${Object.keys(m.agents).join(', ') || 'none'}`,
      });
    }
    for (const [key, agent] of Object.entries(m.agents)) {
      agent.delegates.forEach((target, i) => {
        if (!m.agents[target]) {
          ctx.addIssue({
            code: 'custom',
            path: ['agents', key, 'delegates', i],
            message: `names no agent: "${target}"`,
          });
        }
      });
      const names = agent.tools.map((t) => t.name);
      if (agent.delegates.length > 0 && !names.includes('delegate')) {
        ctx.addIssue({
          code: 'custom',
          path: ['agents', key, 'tools'],
          message: 'declares delegates but not the "delegate" tool',
        });
      }
      names.forEach((name, i) => {
        if (names.indexOf(name) !== i) {
          ctx.addIssue({
            code: 'custom',
            path: ['agents', key, 'tools', i],
            message: `grants "${name}" twice`,
          });
        }
        if (name.startsWith('mcp.') && !m.mcpServers[name.slice(4)]) {
          ctx.addIssue({
            code: 'custom',
            path: ['agents', key, 'tools', i],
            message: `names no MCP server: declare "${name.slice(4)}" under mcpServers`,
          });
        }
      });
      for (const target of agent.delegates) {
        const child = m.agents[target];
        if (!child) continue;
        for (const reason of explainWidening(agent, child)) {
          ctx.addIssue({
            code: 'custom',
            path: ['agents', target],
            message: `widens the scope of "${key}", which delegates to it: ${reason}`,
          });
        }
      }
    }
    m.policy.rules.forEach((rule, i) => {
      rule.agents?.forEach((key, j) => {
        if (!m.agents[key])
          ctx.addIssue({
            code: 'custom',
            path: ['policy', 'rules', i, 'agents', j],
            message: `names no agent: "${key}"`,
          });
      });
    });
    m.simulation.loop?.agents.forEach((key, i) => {
      if (!m.agents[key])
        ctx.addIssue({
          code: 'custom',
          path: ['simulation', 'loop', 'agents', i],
          message: `names no agent: "${key}"`,
        });
    });
    if (m.simulation.minSteps > m.simulation.maxSteps) {
      ctx.addIssue({
        code: 'custom',
        path: ['simulation', 'minSteps'],
        message: 'must not exceed simulation.maxSteps',
      });
    }
  });
export type Manifest = z.infer<typeof Manifest>;

export interface ManifestIssue {
  /** Dotted path into the manifest, e.g. `agents.lead.model`; empty for the whole document. */
  path: string;
  message: string;
}

export type ManifestParseResult =
  { ok: true; manifest: Manifest } | { ok: false; issues: ManifestIssue[] };

export const MAX_MANIFEST_BYTES = 256 * 1024;

/** Parse YAML or JSON manifest source. Never throws: problems come back as issues with paths. */
export function parseManifest(source: string): ManifestParseResult {
  if (new TextEncoder().encode(source).length > MAX_MANIFEST_BYTES) {
    return {
      ok: false,
      issues: [{ path: '', message: `manifest is larger than ${MAX_MANIFEST_BYTES / 1024} KiB` }],
    };
  }
  let document: unknown;
  try {
    document = parseYaml(source, { maxAliasCount: 100 });
  } catch (error) {
    const where =
      error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}` : '';
    const message = error instanceof Error ? error.message.split('\n')[0] : 'unreadable';
    return {
      ok: false,
      issues: [{ path: '', message: `not valid YAML or JSON${where}: ${message}` }],
    };
  }
  return validateManifest(document);
}

export function validateManifest(document: unknown): ManifestParseResult {
  const result = Manifest.safeParse(document);
  if (result.success) return { ok: true, manifest: result.data };
  return { ok: false, issues: result.error.issues.map(toIssue) };
}

function toIssue(issue: z.core.$ZodIssue): ManifestIssue {
  const path = issue.path.map(String).join('.');
  return { path, message: issue.message };
}

export function formatManifestIssues(issues: readonly ManifestIssue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('\n');
}
