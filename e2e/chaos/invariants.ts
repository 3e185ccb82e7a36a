/**
 * What must hold of every run's log after a chaos scenario, read from
 * PostgreSQL: seq gapless from 1 (and the runs row's last_seq in step), the
 * log reducing (domain reduceEvents) to the status stored in the runs table,
 * and, for a run that ended, nothing left half-written: every turn started
 * finished (or its agent finished), every model call and tool call closed
 * (unless its agent failed or was killed in it).
 */
import { readAllEvents } from '@flightdeck/db';
import { pendingTurnOf, reduceEvents, type RunEvent, type RunState } from '@flightdeck/domain';
import { type Engine, JOBS } from '@flightdeck/engine';

export interface LogReport {
  runs_checked: number;
  seq_gaps: number;
  status_mismatches: number;
  half_written: number;
  reducer_errors: number;
  /** Runs by the status their log reduces to. */
  statuses: Record<string, number>;
  states: Map<string, RunState>;
  problems: string[];
}

const TERMINAL = new Set(['completed', 'failed', 'killed']);

/** Open turns and calls in the log of a run that ended. */
export function halfWritten(events: readonly RunEvent[]): string[] {
  const open = new Map<string, string>();
  const ended = new Set<string>();
  for (const e of events) {
    switch (e.type) {
      case 'agent.turn.started':
        open.set(`turn ${e.agentId}/${e.payload.turn}`, e.agentId ?? '');
        break;
      case 'agent.turn.finished':
        open.delete(`turn ${e.agentId}/${e.payload.turn}`);
        break;
      case 'llm.call.started':
        open.set(`model call ${e.payload.callId}`, e.agentId ?? '');
        break;
      case 'llm.call.finished':
      case 'llm.call.failed':
        open.delete(`model call ${e.payload.callId}`);
        break;
      case 'tool.call.dispatched':
        open.set(`tool call ${e.payload.callId}`, e.agentId ?? '');
        break;
      case 'tool.call.finished':
      case 'tool.call.interrupted':
        open.delete(`tool call ${e.payload.callId}`);
        break;
      case 'agent.finished':
        // An agent's last turn ends with the agent: no agent.turn.finished of its own.
        for (const [what, agentId] of open)
          if (agentId === e.agentId && what.startsWith('turn ')) open.delete(what);
        break;
      case 'agent.failed':
      case 'agent.killed':
        ended.add(e.agentId ?? '');
        break;
      default:
    }
  }
  // An agent that failed or was killed may leave its last turn open: that is its end, not a tear.
  return [...open].filter(([, agentId]) => !ended.has(agentId)).map(([what]) => what);
}

export async function checkRunLogs(engine: Engine, runIds?: readonly string[]): Promise<LogReport> {
  const report: LogReport = {
    runs_checked: 0,
    seq_gaps: 0,
    status_mismatches: 0,
    half_written: 0,
    reducer_errors: 0,
    statuses: {},
    states: new Map(),
    problems: [],
  };
  const { rows } = await engine.db.pool.query<{ id: string; status: string; last_seq: number }>(
    runIds
      ? 'SELECT id, status, last_seq FROM runs WHERE id = ANY($1::uuid[])'
      : 'SELECT id, status, last_seq FROM runs',
    runIds ? [runIds] : [],
  );
  for (const run of rows) {
    report.runs_checked++;
    const events = await readAllEvents(engine.db, run.id);
    // A run still going may have appended since its row was read: last_seq is compared once it ended.
    const ended = TERMINAL.has(run.status);
    if (
      events.some((e, i) => e.seq !== i + 1) ||
      (ended && events.length !== Number(run.last_seq))
    ) {
      report.seq_gaps++;
      report.problems.push(
        `run ${run.id}: seq not 1..n (${events.length} events, last_seq ${run.last_seq})`,
      );
    }
    let state: RunState;
    try {
      state = reduceEvents(events);
    } catch (error) {
      report.reducer_errors++;
      report.problems.push(`run ${run.id}: its log does not reduce: ${(error as Error).message}`);
      if (process.env.CHAOS_DUMP)
        for (const e of events)
          console.log(
            `    ${e.seq} ${e.at} ${e.type} ${e.agentId ?? ''} ${JSON.stringify(e.payload).slice(0, 160)}`,
          );
      continue;
    }
    report.states.set(run.id, state);
    report.statuses[state.status] = (report.statuses[state.status] ?? 0) + 1;
    if (state.status !== run.status) {
      report.status_mismatches++;
      report.problems.push(
        `run ${run.id}: stored status ${run.status}, its log says ${state.status}`,
      );
    }
    if (TERMINAL.has(state.status)) {
      const open = halfWritten(events);
      if (open.length) {
        report.half_written++;
        report.problems.push(
          `run ${run.id} (${state.status}) left half-written: ${open.slice(0, 5).join(', ')}`,
        );
      }
    }
  }
  if (runIds && rows.length !== runIds.length)
    report.problems.push(`${runIds.length - rows.length} runs missing from the runs table`);
  return report;
}

/**
 * Why a run has not ended, for a problem line: each live agent's status, the
 * turn it needs and the state of that turn's job in the queue (a stuck run is
 * usually an agent waiting for a job that no worker will run).
 */
export async function describeStuck(engine: Engine, state: RunState): Promise<string> {
  const parts: string[] = [];
  for (const agent of Object.values(state.agents)) {
    if (agent.status === 'done' || agent.status === 'failed' || agent.status === 'killed') continue;
    const turn = pendingTurnOf(state, agent.id);
    let job = 'no turn due';
    if (turn !== null) {
      const definition = JOBS['agent.turn'];
      const found = await engine.queues[definition.queue]
        .getJob(definition.jobId({ runId: state.runId ?? '', agentId: agent.id, turn }))
        .catch(() => undefined);
      job = found ? `job ${await found.getState()}` : 'no job';
    }
    const calls = (agent.turn?.toolCalls ?? []).map((c) => `${c.tool}:${c.status}`).join(' ');
    parts.push(
      `${agent.name} ${agent.status}${agent.pause ? ' (paused)' : ''} turn ${agent.turn?.turn ?? 0}${turn !== null ? `, needs turn ${turn}: ${job}` : ''}${calls ? ` [${calls}]` : ''}`,
    );
  }
  return parts.join('; ') || 'no live agent';
}
