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
  idsToRename,
  isTerminalRunStatus,
  newTraceId,
  parseManifest,
  reduceEvents,
  renameEvents,
  RunEvent,
} from '@flightdeck/domain';
import { z } from 'zod';
import type { Engine } from '../engine';
import {
  exportHistoryBundle,
  importHistoryBundle,
  materializeTree,
  workspaceDir,
} from '../workspace/history';
import { keepRunSnapshot, SNAPSHOT_EVERY_EVENTS } from './load-run-state';
import { saveTeam } from './save-team';
import { workspaceAtSeq } from './workspace-history';

/**
 * A run as JSON Lines, to share a session with another Flightdeck: a header
 * (the run, its team's manifest as written), one line per event in seq order,
 * the workspace history (a git bundle, base64), and an end line with the count,
 * so a cut-off file is refused rather than half imported.
 */

export const RUN_EXPORT_KIND = 'flightdeck.run-export';

const Header = z.object({
  kind: z.literal(RUN_EXPORT_KIND),
  version: z.literal(1),
  exportedAt: z.string(),
  run: z.object({
    id: z.uuid(),
    goal: z.string(),
    seed: z.number().int(),
    status: z.string(),
    teamSlug: z.string().min(1),
    manifestVersion: z.number().int().positive(),
  }),
  manifest: z.object({ source: z.string().min(1) }),
  events: z.number().int().nonnegative(),
});
const EventLine = z.object({ kind: z.literal('event'), event: z.unknown() });
const WorkspaceLine = z.object({
  kind: z.literal('workspace-history'),
  format: z.literal('git-bundle'),
  encoding: z.literal('base64'),
  data: z.string(),
});
const EndLine = z.object({ kind: z.literal('end'), events: z.number().int().nonnegative() });

/** The run's export, line by line (each line one JSON object, no newline inside). */
export async function exportRun(
  engine: Engine,
  input: { runId: string },
): Promise<{ filename: string; lines: string[] }> {
  const run = await getRunRecord(engine.db, input.runId);
  if (!run) throw new DomainError('NOT_FOUND', `No run ${input.runId}.`);
  const team = await getTeam(engine.db, { id: run.teamId });
  const manifest = await getTeamManifest(engine.db, run.teamId, run.manifestVersion);
  if (!team || !manifest) throw new DomainError('NOT_FOUND', "The run's team manifest is missing.");
  const events = await readAllEvents(engine.db, input.runId);
  const lines: string[] = [
    JSON.stringify({
      kind: RUN_EXPORT_KIND,
      version: 1,
      exportedAt: new Date().toISOString(),
      run: {
        id: run.id,
        goal: run.goal,
        seed: run.seed,
        status: run.status,
        teamSlug: team.slug,
        manifestVersion: run.manifestVersion,
      },
      manifest: { source: manifest.source },
      events: events.length,
    } satisfies z.infer<typeof Header>),
  ];
  for (const event of events) lines.push(JSON.stringify({ kind: 'event', event }));
  const bundle = await exportHistoryBundle(engine.config.workspaceRoot, input.runId);
  if (bundle)
    lines.push(
      JSON.stringify({
        kind: 'workspace-history',
        format: 'git-bundle',
        encoding: 'base64',
        data: bundle.toString('base64'),
      }),
    );
  lines.push(JSON.stringify({ kind: 'end', events: events.length }));
  return { filename: `run-${run.id}.jsonl`, lines };
}

const invalid = (message: string) => new DomainError('INVALID_INPUT', message);

function parseLine(line: string, index: number): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    throw invalid(`Line ${index + 1} is not JSON.`);
  }
}

/** The team version whose source is exactly `source`, or null. */
async function findVersion(engine: Engine, teamId: string, current: number, source: string) {
  for (let version = current; version >= 1; version--) {
    const found = await getTeamManifest(engine.db, teamId, version);
    if (found?.source === source) return version;
  }
  return null;
}

/**
 * Import an exported run as a new run of this Flightdeck (new ids: the same
 * run may be imported twice, or back where it came from). Its team is found
 * by name with the same manifest version, or created from the export. Only
 * ended runs are imported: an imported run is a record to replay, fork or
 * re-run, never something that starts working on arrival.
 */
export async function importRun(
  engine: Engine,
  input: { jsonl: string; by: Actor },
): Promise<{ runId: string; events: number }> {
  const lines = input.jsonl.split('\n').filter((l) => l.trim() !== '');
  if (lines.length < 2) throw invalid('This is not a Flightdeck run export (too short).');
  const header = Header.safeParse(parseLine(lines[0]!, 0));
  if (!header.success) throw invalid('This is not a Flightdeck run export (no valid header).');
  const events: RunEvent[] = [];
  let bundle: Buffer | null = null;
  let ended: number | null = null;
  for (const [i, line] of lines.slice(1).entries()) {
    if (ended !== null) throw invalid(`Line ${i + 2} comes after the end line.`);
    const value = parseLine(line, i + 1);
    const eventLine = EventLine.safeParse(value);
    if (eventLine.success) {
      const parsed = RunEvent.safeParse(eventLine.data.event);
      if (!parsed.success) throw invalid(`Line ${i + 2} is not a valid event.`);
      if (parsed.data.seq !== events.length + 1 || parsed.data.runId !== header.data.run.id)
        throw invalid(`Line ${i + 2}: events must be this run's, in seq order with no gaps.`);
      events.push(parsed.data);
      continue;
    }
    const workspace = WorkspaceLine.safeParse(value);
    if (workspace.success) {
      bundle = Buffer.from(workspace.data.data, 'base64');
      continue;
    }
    const end = EndLine.safeParse(value);
    if (end.success) {
      ended = end.data.events;
      continue;
    }
    throw invalid(`Line ${i + 2} is not an event, the workspace history or the end.`);
  }
  if (ended === null || ended !== events.length || header.data.events !== events.length)
    throw invalid('The export is incomplete (its end line is missing or its count is wrong).');
  let state;
  try {
    state = reduceEvents(events);
  } catch (error) {
    throw invalid(`The run's log does not replay: ${error instanceof Error ? error.message : ''}`);
  }
  if (!isTerminalRunStatus(state.status))
    throw invalid(`Only ended runs can be imported; this one is ${state.status}.`);

  // The team: the same name and manifest, or created from the export.
  const parsed = parseManifest(header.data.manifest.source);
  if (!parsed.ok)
    throw new DomainError('INVALID_MANIFEST', "The export's manifest is invalid.", parsed.issues);
  if (parsed.manifest.name !== header.data.run.teamSlug)
    throw invalid("The export's manifest does not name its team.");
  let team = await getTeam(engine.db, { slug: parsed.manifest.name });
  let manifestVersion: number;
  if (!team) {
    manifestVersion = (
      await saveTeam(engine, { source: header.data.manifest.source, by: input.by })
    ).version;
    team = await getTeam(engine.db, { slug: parsed.manifest.name });
  } else {
    const found = await findVersion(
      engine,
      team.id,
      team.currentVersion,
      header.data.manifest.source,
    );
    if (found === null)
      throw new DomainError(
        'CONFLICT',
        `Team "${team.slug}" exists here with another manifest: save the exported manifest as a version of it first, then import.`,
      );
    manifestVersion = found;
  }
  if (!team) throw new DomainError('NOT_FOUND', 'The team could not be created.');

  const runId = randomUUID();
  const renames = new Map<string, string>();
  for (const id of idsToRename(events))
    renames.set(id, id === header.data.run.id ? runId : randomUUID());
  if (state.teamId) renames.set(state.teamId, team.id);
  const drafts = renameEvents(events, renames, newTraceId());

  const root = engine.config.workspaceRoot;
  if (bundle) {
    await importHistoryBundle(root, runId, bundle);
    await materializeTree(
      root,
      runId,
      workspaceAtSeq(events, events.length).tree,
      workspaceDir(root, runId),
    );
  }
  await insertRun(engine.db, {
    id: runId,
    teamId: team.id,
    manifestVersion,
    goal: header.data.run.goal,
    seed: header.data.run.seed,
    origin: 'import',
    originRunId: header.data.run.id,
  });
  // Ended runs accept only workspace facts after their end: the log goes in as it was, in one append.
  const appended = await appendEvents(engine.db, runId, drafts, {
    allowAfterEnd: true,
    audit: {
      actor: input.by,
      action: 'run.imported',
      target: { teamId: team.id, runId },
      detail: {
        from: header.data.run.id,
        events: events.length,
        exportedAt: header.data.exportedAt,
      },
    },
  });
  // A long run opens on its state (kept now, while its log is at hand) rather than its log.
  if (appended.length >= SNAPSHOT_EVERY_EVENTS)
    await keepRunSnapshot(engine, reduceEvents(appended));
  engine.fleet.touch(runId, true);
  return { runId, events: events.length };
}
