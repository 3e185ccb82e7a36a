import {
  getRunRecord,
  getTeamManifest,
  getTeamPolicy,
  saveTeamPolicy as storeTeamPolicy,
} from '@flightdeck/db';
import { parse as parseYaml } from 'yaml';
import { loadRunState } from '../load-run-state';
import {
  type Actor,
  ancestorNames,
  describeIssues,
  DomainError,
  type EffectivePolicy,
  type Manifest,
  PolicyRules,
  rulesForAgent,
} from '@flightdeck/domain';
import type { Engine } from '../../engine';

/** The policy a run's agents are held to now: its manifest's rules, then the team's current defaults. */
export async function loadEffectivePolicy(
  engine: Engine,
  input: { teamId: string; manifest: Manifest; manifestVersion: number },
): Promise<EffectivePolicy> {
  const team = await getTeamPolicy(engine.db, input.teamId);
  return {
    version: `m${input.manifestVersion}.t${team.version}`,
    layers: [
      { source: 'manifest', rules: input.manifest.policy.rules },
      { source: 'team', rules: team.rules },
    ],
    approvals: input.manifest.policy.approvals,
  };
}

export async function getTeamDefaultPolicy(engine: Engine, teamId: string) {
  return getTeamPolicy(engine.db, teamId);
}

/** A team's default rules as written (YAML or JSON: a list of rules, or `{ rules: [...] }`), validated. */
export function parseTeamRules(source: string) {
  let document: unknown;
  try {
    document = parseYaml(source, { maxAliasCount: 100 });
  } catch (error) {
    throw new DomainError(
      'INVALID_INPUT',
      `Not valid YAML or JSON: ${error instanceof Error ? (error.message.split('\n')[0] ?? '') : ''}`,
    );
  }
  const rules =
    document === null || document === undefined
      ? []
      : typeof document === 'object' && !Array.isArray(document) && 'rules' in document
        ? document.rules
        : document;
  const parsed = PolicyRules.safeParse(rules);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw new DomainError(
      'INVALID_INPUT',
      `The rules are not valid: ${describeIssues(parsed.error.issues, '(rules)')}`,
      issues,
    );
  }
  return parsed.data;
}

/** Save a team's default rules, validated; they apply to its runs' next decisions. */
export async function saveTeamDefaultPolicy(
  engine: Engine,
  input: { teamId: string; source: string; by: Actor },
): Promise<{ version: number }> {
  return storeTeamPolicy(engine.db, {
    teamId: input.teamId,
    rules: parseTeamRules(input.source),
    createdBy: `${input.by.kind}:${input.by.id}`,
    audit: { actor: input.by, action: 'policy.changed', target: { teamId: input.teamId } },
  });
}

/**
 * An agent's effective policy now: the rules that can apply to it, in the
 * order they are checked, with where each comes from (manifest or team
 * default) and, for rules written for an agent above it, which one.
 */
export async function agentPolicy(engine: Engine, input: { runId: string; agentId: string }) {
  const run = await getRunRecord(engine.db, input.runId);
  if (!run) throw new DomainError('NOT_FOUND', `No run ${input.runId}.`);
  const manifest = await getTeamManifest(engine.db, run.teamId, run.manifestVersion);
  if (!manifest) throw new DomainError('NOT_FOUND', `No manifest for run ${input.runId}.`);
  const state = await loadRunState(engine, input.runId);
  const agent = state.agents[input.agentId];
  if (!agent) throw new DomainError('NOT_FOUND', `No agent ${input.agentId} in this run.`);
  const ancestors = ancestorNames(state, agent);
  const policy = await loadEffectivePolicy(engine, {
    teamId: run.teamId,
    manifest: manifest.manifest,
    manifestVersion: run.manifestVersion,
  });
  return {
    version: policy.version,
    agent: agent.name,
    ancestors,
    rules: rulesForAgent(policy, { key: agent.name, ancestors }),
    allowedForRun: state.allowedRules,
    approvals: policy.approvals,
    /** The tools the manifest grants it (narrowed by its delegate call): the scope the rules act within. */
    grants: (manifest.manifest.agents[agent.name]?.tools ?? [])
      .map((g) => g.name)
      .filter((name) => !agent.toolScope || agent.toolScope.includes(name)),
  };
}
