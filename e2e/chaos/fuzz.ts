/**
 * Chaos: malformed input at every boundary while runs execute. Every tRPC
 * procedure (over HTTP, as an admin, so authorization does not stop the input
 * before validation does), every socket event, and every job type on the
 * queues (added straight to Redis, as a corrupted or hostile producer would)
 * gets malformed values; then:
 *  - no 5xx from the API, and every process is still up and ready;
 *  - every socket message with an ack got an answer;
 *  - every malformed job was rejected (failed) or did nothing, none is stuck;
 *  - the database still holds: gapless seq per run, each run's projection
 *    matching its log, each log reducing without error to the stored status.
 */
import { readAllEvents } from '@flightdeck/db';
import { appRouter } from '@flightdeck/api';
import { reduceEvents } from '@flightdeck/domain';
import { createApiToken, JOBS, saveTeam, spawnRun } from '@flightdeck/engine';
import { io, type Socket } from 'socket.io-client';
import { seededRandom } from '../lib/processes';
import { startStack } from '../lib/stack';
import { malformed } from './malformed';

export interface FuzzOptions {
  seed: number;
  /** Malformed inputs per boundary (HTTP, sockets, jobs). */
  inputs: number;
  log?: (line: string) => void;
}

export interface FuzzReport {
  seed: number;
  http_inputs: number;
  http_5xx: number;
  http_4xx: number;
  socket_messages: number;
  socket_unanswered: number;
  /** Connections the server closed on a hostile message (an acceptable answer). */
  socket_cut: number;
  job_payloads: number;
  jobs_rejected: number;
  jobs_stuck: number;
  runs_checked: number;
  invariant_violations: number;
  processes_down: number;
  problems: string[];
}

const SOCKET_EVENTS = [
  'run.watch',
  'run.unwatch',
  'fleet.watch',
  'approvals.watch',
  'no.such.event',
];
/** Below the server's per-socket budget (40 per 10 s): a fresh socket after each batch. */
const MESSAGES_PER_SOCKET = 30;

const TEAM = `
name: fuzz-team
lead: lead
agents:
  lead:
    role: Lead
    model: simulated/gpt-4o-mini
    tools: [delegate, fs.write, fs.read, fs.list]
    delegates: [helper]
  helper:
    role: Helper
    model: simulated/gpt-4o-mini
    tools: [fs.write, fs.read, fs.list]
simulation: { latencyMs: 100, errorRate: 0.1, minSteps: 2, maxSteps: 3 }
policy: { rules: [{ id: everything, tool: '*', effect: allow }] }
`;

export async function fuzz(options: FuzzOptions): Promise<FuzzReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const random = seededRandom(options.seed);
  const report: FuzzReport = {
    seed: options.seed,
    http_inputs: 0,
    http_5xx: 0,
    http_4xx: 0,
    socket_messages: 0,
    socket_unanswered: 0,
    socket_cut: 0,
    job_payloads: 0,
    jobs_rejected: 0,
    jobs_stuck: 0,
    runs_checked: 0,
    invariant_violations: 0,
    processes_down: 0,
    problems: [],
  };
  const problem = (text: string) => {
    if (report.problems.length < 50) report.problems.push(text);
  };
  const stack = await startStack({ label: 'chaos-fuzz', workers: 1, web: true });
  try {
    const { engine, baseUrl } = stack;
    const { secret: token } = await createApiToken(engine, {
      name: 'fuzz-admin',
      roles: ['admin'],
      teams: 'all',
      by: { actor: { kind: 'user', id: 'bench@flightdeck.local' }, roles: ['admin'], teams: 'all' },
    });
    // Runs execute while the fuzz goes on: the invariants are checked on them afterwards.
    await saveTeam(engine, { source: TEAM });
    for (let i = 0; i < 4; i++)
      await spawnRun(engine, {
        teamSlug: 'fuzz-team',
        goal: `Fuzz ${i}`,
        by: { kind: 'system', id: 'fuzz' },
      });

    // 1. Every tRPC procedure, over HTTP.
    const procedures = Object.entries(
      (appRouter as unknown as { _def: { procedures: Record<string, { _def: { type: string } }> } })
        ._def.procedures,
    );
    for (let i = 0; i < options.inputs; i++) {
      const [path, procedure] = procedures[i % procedures.length]!;
      const input = malformed(random);
      const mutation = procedure._def.type === 'mutation';
      const roll = random();
      let response: Response;
      if (mutation) {
        // Mostly JSON; sometimes a body that is not JSON, or not declared as JSON.
        const body = roll < 0.1 ? '{"unterminated' : JSON.stringify(input ?? null);
        const contentType = roll > 0.95 ? 'text/plain' : 'application/json';
        response = await fetch(`${baseUrl}/api/trpc/${path}`, {
          method: 'POST',
          headers: { 'content-type': contentType, authorization: `Bearer ${token}` },
          body,
        });
      } else {
        const query = roll < 0.1 ? '%E0%A4%A' : encodeURIComponent(JSON.stringify(input ?? null));
        response = await fetch(`${baseUrl}/api/trpc/${path}?input=${query}`, {
          headers: { authorization: `Bearer ${token}` },
        });
      }
      await response.arrayBuffer();
      report.http_inputs++;
      if (response.status >= 500) {
        report.http_5xx++;
        problem(`${path}: ${response.status} for ${JSON.stringify(input)?.slice(0, 200)}`);
      } else if (response.status >= 400) report.http_4xx++;
    }
    log(`  http: ${report.http_inputs} inputs, ${report.http_5xx} 5xx`);

    // 2. Every socket event.
    let socket: Socket | null = null;
    let sentOnSocket = 0;
    for (let i = 0; i < options.inputs; i++) {
      if (!socket?.connected || sentOnSocket >= MESSAGES_PER_SOCKET) {
        socket?.disconnect();
        const fresh = io(baseUrl!, {
          transports: ['websocket'],
          auth: { token },
          reconnection: false,
        });
        await new Promise<void>((resolve, reject) => {
          fresh.once('connect', () => resolve());
          fresh.once('connect_error', reject);
        });
        socket = fresh;
        sentOnSocket = 0;
      }
      const event = SOCKET_EVENTS[Math.floor(random() * SOCKET_EVENTS.length)]!;
      const payload = malformed(random);
      report.socket_messages++;
      sentOnSocket++;
      // Too big to be answered: the server drops the connection. Some messages carry no ack,
      // and an unknown event has no handler to answer it: waiting for its ack only times out.
      if (
        JSON.stringify(payload ?? null).length > 16 * 1024 ||
        random() < 0.2 ||
        event === 'no.such.event'
      ) {
        socket.emit(event, payload);
        continue;
      }
      try {
        const ack = (await socket.timeout(5_000).emitWithAck(event, payload)) as { ok?: unknown };
        if (typeof ack?.ok !== 'boolean')
          problem(`${event}: ack without ok: ${JSON.stringify(ack)}`);
      } catch {
        // A connection the server cut (a payload its parser refuses, e.g. nested hundreds
        // deep) is a refusal: fine. Anything else must answer.
        if (!socket.connected) report.socket_cut++;
        else {
          report.socket_unanswered++;
          problem(`${event}: no ack for ${JSON.stringify(payload)?.slice(0, 200)}`);
        }
      }
    }
    socket?.disconnect();
    log(`  sockets: ${report.socket_messages} messages, ${report.socket_unanswered} unanswered`);

    // 3. Every job type, and unknown ones, on every queue.
    const jobNames = [...Object.keys(JOBS), 'no.such.job'];
    const queueOf = (name: string) =>
      name in JOBS ? JOBS[name as keyof typeof JOBS].queue : Object.values(JOBS)[0]!.queue;
    const added: Array<{ queue: string; id: string }> = [];
    for (let i = 0; i < options.inputs; i++) {
      const name = jobNames[Math.floor(random() * jobNames.length)]!;
      const queue = engine.queues[queueOf(name)];
      const job = await queue.add(name, malformed(random), {
        jobId: `fuzz-${options.seed}-${i}`,
        attempts: 1,
      });
      added.push({ queue: queueOf(name), id: job.id! });
      report.job_payloads++;
    }
    const deadline = Date.now() + 60_000;
    for (;;) {
      let pending = 0;
      report.jobs_rejected = 0;
      for (const { queue, id } of added) {
        const job = await engine.queues[queue as keyof typeof engine.queues].getJob(id);
        const state = job ? await job.getState() : 'completed';
        if (state === 'failed') report.jobs_rejected++;
        else if (state !== 'completed' && state !== 'unknown') pending++;
      }
      if (pending === 0 || Date.now() > deadline) {
        report.jobs_stuck = pending;
        break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    if (report.jobs_stuck)
      problem(`${report.jobs_stuck} malformed jobs neither failed nor completed`);
    log(
      `  jobs: ${report.job_payloads} payloads, ${report.jobs_rejected} rejected, ${report.jobs_stuck} stuck`,
    );

    // 4. Everything still up.
    const ready = await fetch(`${baseUrl}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (!ready) {
      report.processes_down++;
      problem('the web server is not ready after the fuzz');
    }
    for (const worker of stack.workers)
      if (worker.exitCode !== null || worker.signalCode !== null) {
        report.processes_down++;
        problem(`a worker exited (${worker.exitCode ?? worker.signalCode})`);
      }

    // 5. The database's invariants.
    const { rows: gaps } = await engine.db.pool.query<{ run_id: string }>(
      `SELECT r.id AS run_id FROM runs r LEFT JOIN (
         SELECT run_id, count(*)::int AS n, min(seq) AS lo, max(seq) AS hi FROM events GROUP BY run_id
       ) e ON e.run_id = r.id
       WHERE COALESCE(e.n, 0) <> r.last_seq OR (e.n > 0 AND (e.lo <> 1 OR e.hi <> e.n))`,
    );
    for (const { run_id } of gaps) problem(`run ${run_id}: seq gap or projection out of step`);
    report.invariant_violations += gaps.length;
    const { rows: runs } = await engine.db.pool.query<{ id: string; status: string }>(
      'SELECT id, status FROM runs',
    );
    for (const run of runs) {
      report.runs_checked++;
      try {
        const state = reduceEvents(await readAllEvents(engine.db, run.id));
        if (state.status !== run.status) {
          report.invariant_violations++;
          problem(`run ${run.id}: stored status ${run.status}, its log says ${state.status}`);
        }
      } catch (error) {
        report.invariant_violations++;
        problem(`run ${run.id}: its log does not reduce: ${(error as Error).message}`);
      }
    }
  } finally {
    await stack.stop();
  }
  return report;
}
