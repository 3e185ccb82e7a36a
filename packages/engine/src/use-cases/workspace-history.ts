import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { getRunRecord, readAllEvents } from '@flightdeck/db';
import {
  type Actor,
  DomainError,
  type EventDraft,
  isTerminalRunStatus,
  reduceEvents,
  type RunEvent,
  type RunState,
} from '@flightdeck/domain';
import { activeRunSlots } from '../coordination/run-slots';
import { withWorkspaceLock } from '../coordination/workspace-lock';
import type { Engine } from '../engine';
import { recordEvents } from '../record-events';
import { EMPTY_TREE } from '../workspace/git';
import {
  commitExistingTree,
  historyDir,
  listTreeFiles,
  materializeTree,
  readTreeFile,
  snapshotWorkspace,
  workspaceDir,
} from '../workspace/history';
import { controlDraft } from './control/run-control-context';

/** The files of the workspace as a recorded commit (or the empty tree) holds them. */
export async function listWorkspaceFilesAt(
  engine: Engine,
  input: { runId: string; commit: string },
) {
  await requireRunRecord(engine, input.runId);
  return listTreeFiles(engine.config.workspaceRoot, input.runId, input.commit);
}

/** One file as a recorded commit holds it: NOT_FOUND when the commit has no such file. */
export async function readWorkspaceFileAt(
  engine: Engine,
  input: { runId: string; commit: string; path: string },
) {
  await requireRunRecord(engine, input.runId);
  const file = await readTreeFile(
    engine.config.workspaceRoot,
    input.runId,
    input.commit,
    input.path,
  );
  if (!file) throw new DomainError('NOT_FOUND', `No file "${input.path}" at that step`);
  return file;
}

async function requireRunRecord(engine: Engine, runId: string) {
  const run = await getRunRecord(engine.db, runId);
  if (!run) throw new DomainError('NOT_FOUND', `No run ${runId}.`);
  return run;
}

/** The workspace as the log says it was after step `seq`: the last commit recorded at or before it. */
export function workspaceAtSeq(
  events: readonly RunEvent[],
  seq: number,
): { commit: string | null; tree: string; seq: number } {
  for (let i = Math.min(seq, events.length) - 1; i >= 0; i--) {
    const event = events[i];
    if (event?.type === 'workspace.committed' || event?.type === 'workspace.restored')
      return { commit: event.payload.commit, tree: event.payload.tree, seq: event.seq };
  }
  return { commit: null, tree: EMPTY_TREE, seq: 0 };
}

/** Why the workspace cannot be rolled back now, or null when it can. */
async function rollbackRefusal(engine: Engine, state: RunState): Promise<string | null> {
  if (isTerminalRunStatus(state.status)) return null;
  if (state.status !== 'paused')
    return `The run is ${state.status}: pause it first (or wait until it ends), so no agent writes while the workspace is restored.`;
  const active = await activeRunSlots(engine.redis, engine.config.queuePrefix, state.runId ?? '');
  if (active > 0)
    return `${active} agent${active === 1 ? ' is' : 's are'} still finishing a turn; try again when the run is fully paused.`;
  return null;
}

export interface RollbackWorkspaceInput {
  runId: string;
  /** The step whose workspace to restore: the workspace as it was right after this seq (0: empty). */
  toSeq: number;
  by: Actor;
  reason: string;
}

/**
 * Restore a run's workspace to how it was after a step, while the run is
 * paused (no turn in flight) or has ended. The restored folder is prepared
 * beside the workspace and swapped in by rename; the rollback is recorded as a
 * `workspace.restored` event (who, to which step, why) with its audit entry,
 * and undone if that record is refused. Changes made outside tool calls are
 * committed first, so nothing is lost: every state stays in the history.
 */
export async function rollbackWorkspace(
  engine: Engine,
  input: RollbackWorkspaceInput,
): Promise<{ seq: number; commit: string; toSeq: number }> {
  const run = await requireRunRecord(engine, input.runId);
  const events = await readAllEvents(engine.db, input.runId);
  const state = reduceEvents(events);
  if (!Number.isInteger(input.toSeq) || input.toSeq < 0 || input.toSeq > state.lastSeq)
    throw new DomainError(
      'INVALID_INPUT',
      `Step ${input.toSeq} is not in this run (1–${state.lastSeq}).`,
    );
  const refusal = await rollbackRefusal(engine, state);
  if (refusal) throw new DomainError('CONFLICT', refusal);

  const root = engine.config.workspaceRoot;
  // No snapshot or other rollback meanwhile; a busy workspace is a conflict, not a wait.
  return withWorkspaceLock(
    engine,
    input.runId,
    async () => {
      const target = workspaceAtSeq(events, input.toSeq);
      const recorded =
        state.workspace.commit && state.workspace.tree
          ? { commit: state.workspace.commit, tree: state.workspace.tree }
          : null;
      // Whatever is on disk now and not yet in the log (an edit by hand) is committed first.
      const unrecorded = await snapshotWorkspace(root, input.runId, {
        parent: recorded,
        message: `changes outside tool calls, before a rollback\n\nrun ${input.runId}\n`,
      });
      const current = unrecorded ?? recorded;
      if ((current?.tree ?? EMPTY_TREE) === target.tree)
        throw new DomainError(
          'CONFLICT',
          `The workspace already is as it was after step ${input.toSeq}.`,
        );
      const restored = await commitExistingTree(root, input.runId, {
        tree: target.tree,
        parent: current,
        message: `rollback to step ${input.toSeq} by ${input.by.id}\n\n${input.reason}\n`,
      });

      // Prepare the restored folder beside the live one, then swap them by rename.
      const scratch = path.join(historyDir(root, input.runId), '..', `restore-${randomUUID()}`);
      const staged = path.join(scratch, 'staged');
      const previous = path.join(scratch, 'previous');
      await mkdir(scratch, { recursive: true });
      const live = workspaceDir(root, input.runId);
      try {
        await materializeTree(root, input.runId, target.tree, staged);
        const hadLive = await rename(live, previous).then(
          () => true,
          (error: NodeJS.ErrnoException) => {
            if (error.code === 'ENOENT') return false;
            throw error;
          },
        );
        await rename(staged, live);
        const drafts: EventDraft[] = [];
        if (unrecorded)
          drafts.push(controlDraft(state, 'workspace.committed', { callId: null, ...unrecorded }));
        drafts.push(
          controlDraft(state, 'workspace.restored', {
            by: input.by,
            toSeq: input.toSeq,
            reason: input.reason,
            ...restored,
          }),
        );
        let recordedEvents: RunEvent[];
        try {
          recordedEvents = await recordEvents(engine, input.runId, drafts, {
            allowAfterEnd: true,
            // A resume that slipped in since the check refuses the rollback: agents may be writing again.
            runStatuses: [state.status],
            audit: {
              actor: input.by,
              action: 'workspace.restored',
              target: { teamId: run.teamId, runId: input.runId },
              detail: {
                toSeq: input.toSeq,
                reason: input.reason,
                commit: restored.commit,
                from: current?.commit ?? null,
              },
            },
          });
        } catch (error) {
          // Not recorded: put the workspace back as it was.
          await rename(live, staged);
          if (hadLive) await rename(previous, live);
          if (error instanceof DomainError && error.code === 'STALE_STATE')
            throw new DomainError('CONFLICT', `The run changed meanwhile: ${error.message}`);
          throw error;
        }
        const event = recordedEvents.at(-1)!;
        return { seq: event.seq, commit: restored.commit, toSeq: input.toSeq };
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    },
    { waitMs: 2_000 },
  );
}
