/**
 * Chaos: PostgreSQL stops under load. The stack (web and two workers) runs on
 * a PostgreSQL cluster of its own, stopped (`pg_ctl stop -m fast`: sessions
 * cut, nothing half-committed kept) while runs execute, and started again
 * after the outage. No Flightdeck process is restarted. During the outage the
 * API must answer, quickly, 503: tRPC queries and mutations over HTTP and
 * /readyz, each within a short client deadline (no hang, no 500). Afterwards:
 * every run resumes and completes, every log gapless (seq 1..n), reducing to
 * the status stored in the runs table, with no turn or call left half-written,
 * no non-idempotent tool executed twice (a sink outside Flightdeck counts),
 * and every process still the one started.
 */
import { seededRandom } from '../lib/processes';
import { startPrivatePostgres } from '../lib/services';
import type { Stack } from '../lib/stack';
import { type Answer, timedFetch, trpcMutation, trpcQuery } from './http';
import { checkRunLogs, describeStuck } from './invariants';
import { repeatedSideEffects, startSinkStack } from './sink-team';

export interface StopPostgresOptions {
  seed: number;
  runs: number;
  outageMs: number;
  timeoutMs: number;
  log?: (line: string) => void;
}

export interface StopPostgresReport {
  seed: number;
  runs: number;
  outage_ms: number;
  runs_active_at_stop: number;
  requests_during_outage: number;
  answered_503: number;
  answered_otherwise: number;
  unanswered: number;
  slowest_answer_ms: number;
  completed: number;
  failed: number;
  unsettled: number;
  seq_gaps: number;
  status_mismatches: number;
  half_written: number;
  repeated_side_effects: number;
  processes_exited: number;
  /** From PostgreSQL's start until every run had ended. */
  recovery_ms: number;
  duration_ms: number;
  problems: string[];
}

const SLUG = 'stop-postgres';
/** Each request during the outage must be answered within this. */
const ANSWER_WITHIN_MS = 5_000;
const ACTIVE =
  "SELECT count(*)::int AS n FROM runs WHERE status IN ('pending', 'running', 'paused')";

export async function stopPostgres(options: StopPostgresOptions): Promise<StopPostgresReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const random = seededRandom(options.seed);
  const started = Date.now();
  const problems: string[] = [];
  const postgres = await startPrivatePostgres();
  let stack: Stack | null = null;
  try {
    const sink = await startSinkStack({
      label: 'chaos-stop-postgres',
      slug: SLUG,
      servers: { postgresUrl: postgres.url },
      simulation: '{ latencyMs: 300, errorRate: 0, minSteps: 4, maxSteps: 6 }',
      runs: options.runs,
      seed: options.seed,
      goal: 'Stop PostgreSQL',
    });
    stack = sink.stack;
    const { scratch, sinkFile, runIds } = sink;
    const { engine, token } = stack;
    const baseUrl = stack.baseUrl!;
    const children = [...stack.workers];
    log(`  spawned ${options.runs} runs; postgres on port ${postgres.port}; logs in ${scratch}`);
    const active = async () => (await engine.db.pool.query<{ n: number }>(ACTIVE)).rows[0]!.n;

    await new Promise((r) => setTimeout(r, 1_500 + random() * 1_500));
    const activeAtStop = await active();
    if (activeAtStop === 0) problems.push('every run ended before PostgreSQL stopped: no load');
    const stopAt = Date.now();
    postgres.stop('fast');
    log(`  postgres stopped, ${activeAtStop} runs were active`);

    // The outage: the API answers 503 at once, to every kind of request.
    const answers: Array<{ what: string; answer: Answer }> = [];
    const probes: Array<[string, () => Promise<Answer>]> = [
      ['/readyz', () => timedFetch(`${baseUrl}/readyz`, { timeoutMs: ANSWER_WITHIN_MS })],
      ['runs.list', () => trpcQuery(baseUrl, token, 'runs.list', {}, ANSWER_WITHIN_MS)],
      [
        'runs.get',
        () => trpcQuery(baseUrl, token, 'runs.get', { runId: runIds[0] }, ANSWER_WITHIN_MS),
      ],
      [
        'runs.spawn',
        () =>
          trpcMutation(
            baseUrl,
            token,
            'runs.spawn',
            { teamSlug: SLUG, goal: 'Spawned while PostgreSQL is down' },
            ANSWER_WITHIN_MS,
          ),
      ],
      [
        'runs.kill',
        () =>
          trpcMutation(
            baseUrl,
            token,
            'runs.kill',
            { runId: runIds[0], reason: 'chaos: must not happen' },
            ANSWER_WITHIN_MS,
          ),
      ],
    ];
    // Let the stop take effect before judging answers (pg_ctl -w returns once it is down).
    while (Date.now() < stopAt + options.outageMs - ANSWER_WITHIN_MS) {
      for (const [what, probe] of probes) {
        if (Date.now() >= stopAt + options.outageMs - ANSWER_WITHIN_MS) break;
        answers.push({ what, answer: await probe() });
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, Math.max(0, stopAt + options.outageMs - Date.now())));
    postgres.start();
    const startAt = Date.now();
    log(`  postgres started again after ${startAt - stopAt} ms`);

    let answered503 = 0;
    let otherwise = 0;
    let unanswered = 0;
    let slowest = 0;
    for (const { what, answer } of answers) {
      slowest = Math.max(slowest, answer.ms);
      if (answer.status === 503) answered503++;
      else if (answer.status === null) {
        unanswered++;
        problems.push(
          `${what} during the outage: no answer in ${ANSWER_WITHIN_MS} ms (${answer.error})`,
        );
      } else {
        otherwise++;
        problems.push(
          `${what} during the outage: ${answer.status} in ${Math.round(answer.ms)} ms ${answer.body ?? ''}`,
        );
      }
    }

    // Afterwards: every run resumes and completes, without a restart of any process.
    const deadline = startAt + options.timeoutMs;
    for (;;) {
      const n = await active().catch(() => -1);
      if (n === 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const recoveryMs = Date.now() - startAt;

    const logs = await checkRunLogs(engine);
    problems.push(...logs.problems);
    let completed = 0;
    let failed = 0;
    let unsettled = 0;
    for (const [runId, state] of logs.states) {
      if (state.status === 'completed') completed++;
      else if (state.status === 'failed') {
        failed++;
        problems.push(`run ${runId} failed`);
      } else {
        unsettled++;
        problems.push(
          `run ${runId}: still ${state.status} after the outage: ${await describeStuck(engine, state)}`,
        );
      }
    }

    const repeated = await repeatedSideEffects(sinkFile);
    if (repeated.length)
      problems.push(
        `${repeated.length} side effects executed more than once: ${repeated.join(', ')}`,
      );

    let exited = 0;
    for (const child of children)
      if (child.exitCode !== null || child.signalCode !== null) {
        exited++;
        problems.push(`a worker exited (${child.exitCode ?? child.signalCode})`);
      }
    const ready = await timedFetch(`${baseUrl}/readyz`, { timeoutMs: ANSWER_WITHIN_MS });
    if (ready.status !== 200) {
      exited++;
      problems.push(
        `web /readyz after the outage: ${ready.status ?? ready.error} ${ready.body ?? ''}`,
      );
    }
    const list = await trpcQuery(baseUrl, token, 'runs.list', {}, ANSWER_WITHIN_MS);
    if (list.status !== 200)
      problems.push(`runs.list after the outage: ${list.status ?? list.error} ${list.body ?? ''}`);

    return {
      seed: options.seed,
      runs: logs.runs_checked,
      outage_ms: startAt - stopAt,
      runs_active_at_stop: activeAtStop,
      requests_during_outage: answers.length,
      answered_503: answered503,
      answered_otherwise: otherwise,
      unanswered,
      slowest_answer_ms: Math.round(slowest),
      completed,
      failed,
      unsettled,
      seq_gaps: logs.seq_gaps,
      status_mismatches: logs.status_mismatches,
      half_written: logs.half_written,
      repeated_side_effects: repeated.length,
      processes_exited: exited,
      recovery_ms: recoveryMs,
      duration_ms: Date.now() - started,
      problems,
    };
  } finally {
    await stack?.stop().catch((error: unknown) => log(`  stack stop: ${String(error)}`));
    postgres.destroy();
  }
}
