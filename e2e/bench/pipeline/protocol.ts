/**
 * Messages between the pipeline benchmark and its child processes (the event
 * producer and the watching clients), over Node's IPC channel.
 */

/** Where the producer appends (or, for the raw relay, publishes). */
export interface ProducerConfig {
  mode: 'pipeline' | 'raw';
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  workspaceRoot: string;
  runs: Array<{ runId: string; agentId: string; traceId: string }>;
}

/** A batch of events of one run, seqs `from..to`, committed (or published) at `at` (ms, epoch). */
export type Commit = [runIndex: number, from: number, to: number, at: number];

export type ProducerCommand = { kind: 'step'; eventsPerS: number; durationMs: number };

export interface StepReport {
  kind: 'step-done';
  commits: Commit[];
  /** Events committed during the step. */
  events: number;
  /** Wall time of the step, from its first tick to its last commit. */
  elapsedMs: number;
  /** Time each append (or publish) took, in ms, one sample per batch. */
  appendMs: number[];
}

export interface WatcherConfig {
  /** Each client opens one socket per URL and watches, on it, the runs whose index maps to it. */
  urls: string[];
  token: string;
  runIds: string[];
  clients: number;
}

export type WatcherCommand =
  { kind: 'received' } | { kind: 'collect'; commits: Commit[]; runIds: string[] };

export interface CollectReport {
  kind: 'collected';
  /** Deliveries found for the commits (events × clients). */
  delivered: number;
  /** Deliveries expected but not received. */
  lost: number;
  /** Delivery latency from commit to receipt, ms. */
  p50: number;
  p99: number;
  max: number;
}

export const epochNow = () => performance.timeOrigin + performance.now();
