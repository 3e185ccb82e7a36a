import { randomUUID } from 'node:crypto';
import {
  appendEvents,
  getRunRecord,
  getTeam,
  getTeamManifest,
  insertRun,
  readAllEvents,
} from '@flightdeck/db';
import {
  type Actor,
  DomainError,
  type EventDraft,
  type ForkEdits,
  idsToRename,
  isTerminalAgentStatus,
  isTerminalRunStatus,
  type ModelRef,
  newSpanId,
  newTraceId,
  parseManifest,
  reduceEvents,
  renameEvents,
} from '@flightdeck/domain';
import type { Engine } from '../engine';
import { copyHistory, materializeTree, workspaceDir } from '../workspace/history';
import { requeuePendingTurns } from './control/run-control-context';
import { saveTeam } from './save-team';
import { workspaceAtSeq } from './workspace-history';

export interface ForkRunInput {
  /** The run to fork. */
  runId: string;
  /** Fork from the run's state right after this step. */
  atSeq: number;
  by: Actor;
  edits?: {
    /** The agent the edits apply to (default: the lead). */
    agentId?: string | null;
    /** A message for that agent, read at its next turn. */
    message?: string | null;
    /** That agent's system prompt from the fork on. */
    system?: string | null;
    /** That agent's model from the fork on. */
    model?: ModelRef | null;
  };
  /** Run the fork under another version of the team's manifest (default: the origin's). */
  manifestVersion?: number;
  /** Or under an edited manifest: saved as the team's next version first (it must keep the team's name). */
  manifestSource?: string;
}

/**
 * Start a new run from any step of a running or ended run, with the state it
 * had there: the origin's events up to that step become the fork's history
 * (ids renamed: agents and approvals are unique across runs), its workspace is
 * restored from the origin's history at that step, and `run.forked` records
 * where it came from, who forked it and the edits. Nothing before the fork
 * point runs again: the executor continues from the log. Approvals pending
 * there are asked again in the fork, and tools with side effects need one.
 */
export async function forkRun(
  engine: Engine,
  input: ForkRunInput,
): Promise<{ runId: string; seq: number }> {
  const origin = await getRunRecord(engine.db, input.runId);
  if (!origin) throw new DomainError('NOT_FOUND', `No run ${input.runId}.`);
  const all = await readAllEvents(engine.db, input.runId);
  if (!Number.isInteger(input.atSeq) || input.atSeq < 2 || input.atSeq > all.length)
    throw new DomainError(
      'INVALID_INPUT',
      `Fork from a step between 2 (the lead spawned) and ${all.length}.`,
    );
  const history = all.slice(0, input.atSeq);
  const state = reduceEvents(history);
  if (isTerminalRunStatus(state.status))
    throw new DomainError(
      'INVALID_INPUT',
      `The run had ended (${state.status}) at step ${input.atSeq}: fork from a step before its end.`,
    );

  // The manifest the fork runs under.
  let manifestVersion = input.manifestVersion ?? origin.manifestVersion;
  if (input.manifestSource !== undefined) {
    const parsed = parseManifest(input.manifestSource);
    if (!parsed.ok)
      throw new DomainError('INVALID_MANIFEST', 'The manifest is invalid.', parsed.issues);
    const team = await getTeam(engine.db, { id: origin.teamId });
    if (!team || parsed.manifest.name !== team.slug)
      throw new DomainError(
        'INVALID_INPUT',
        `The edited manifest must keep the team's name ("${team?.slug ?? '?'}").`,
      );
    manifestVersion = (await saveTeam(engine, { source: input.manifestSource, by: input.by }))
      .version;
  }
  const manifest = await getTeamManifest(engine.db, origin.teamId, manifestVersion);
  if (!manifest)
    throw new DomainError('NOT_FOUND', `The team has no manifest version ${manifestVersion}.`);
  for (const agent of Object.values(state.agents)) {
    if (!isTerminalAgentStatus(agent.status) && !manifest.manifest.agents[agent.name])
      throw new DomainError(
        'INVALID_INPUT',
        `Manifest v${manifestVersion} does not declare agent "${agent.name}", which is still working at step ${input.atSeq}.`,
      );
  }

  const edits = input.edits ?? {};
  const target = edits.agentId ?? state.leadAgentId;
  const hasEdits = Boolean(edits.message || edits.system || edits.model);
  if (hasEdits) {
    const agent = target ? state.agents[target] : undefined;
    if (!agent) throw new DomainError('INVALID_INPUT', `No agent ${target ?? ''} at that step.`);
    if (isTerminalAgentStatus(agent.status))
      throw new DomainError(
        'INVALID_INPUT',
        `${agent.name} had already ${agent.status === 'done' ? 'finished' : agent.status} at step ${input.atSeq}: edit an agent that is still working.`,
      );
  }

  // New ids for everything unique across runs; the history keeps its shape.
  const forkId = randomUUID();
  const renames = new Map<string, string>();
  for (const id of idsToRename(history))
    renames.set(id, id === input.runId ? forkId : randomUUID());
  const traceId = newTraceId();
  const drafts = renameEvents(history, renames, traceId);
  const agentIds: Record<string, string> = {};
  for (const id of state.agentOrder) agentIds[id] = renames.get(id) ?? id;
  const forkEdits: ForkEdits = {
    agentId: hasEdits && target ? (renames.get(target) ?? target) : null,
    message: edits.message?.trim() || null,
    system: edits.system?.trim() || null,
    model: edits.model ?? null,
  };

  // The workspace as it was at the fork point, with its history up to there.
  const root = engine.config.workspaceRoot;
  const recordedCommits = history.flatMap((e) =>
    e.type === 'workspace.committed' || e.type === 'workspace.restored' ? [e.payload.commit] : [],
  );
  await copyHistory(root, input.runId, forkId, recordedCommits);
  await materializeTree(
    root,
    forkId,
    workspaceAtSeq(history, input.atSeq).tree,
    workspaceDir(root, forkId),
  );

  await insertRun(engine.db, {
    id: forkId,
    teamId: origin.teamId,
    manifestVersion,
    goal: origin.goal,
    seed: origin.seed,
    origin: 'fork',
    originRunId: input.runId,
    originSeq: input.atSeq,
  });
  const rootSpan = drafts[0]?.spanId ?? newSpanId();
  const forked: EventDraft = {
    type: 'run.forked',
    at: new Date().toISOString(),
    agentId: null,
    traceId,
    spanId: newSpanId(),
    parentSpanId: rootSpan,
    payload: {
      fromRunId: input.runId,
      fromSeq: input.atSeq,
      by: input.by,
      manifestVersion,
      edits: forkEdits,
      agentIds,
    },
  };
  // The copied history and the fork's own first event in one append: there is no half-copied
  // fork, and no worker ever sees its history without the fork. Nobody watches the new run yet:
  // only the fleet list is told.
  const appended = await appendEvents(engine.db, forkId, [...drafts, forked], {
    audit: {
      actor: input.by,
      action: 'run.forked',
      target: { teamId: origin.teamId, runId: forkId },
      detail: {
        from: input.runId,
        atSeq: input.atSeq,
        manifestVersion,
        edited: Object.entries(forkEdits)
          .filter(([key, value]) => key !== 'agentId' && value !== null)
          .map(([key]) => key),
      },
    },
  });
  engine.fleet.touch(forkId, true);
  await requeuePendingTurns(engine, forkId);
  return { runId: forkId, seq: appended.at(-1)!.seq };
}
