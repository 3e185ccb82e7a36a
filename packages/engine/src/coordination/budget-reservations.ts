import { createHash } from 'node:crypto';
import {
  type BudgetAmounts,
  type BudgetLimits,
  type BudgetMetric,
  BUDGET_METRICS,
  COUNTER_METRICS,
  type CounterMetric,
} from '@flightdeck/domain';
import type { Redis } from 'ioredis';

/**
 * Budget counters in Redis, changed only by the Lua scripts below, each of
 * which runs atomically: no degree of concurrency, across any number of
 * workers, can reserve past a hard limit.
 *
 * One hash per scope (a run, an agent's slice, a team's day or month, the
 * global day or month), with fields:
 *
 *   c            1 once the counters were initialized (from PostgreSQL / the log)
 *   v            version of the limits below (never goes back)
 *   h:<m> s:<m>  hard and soft limit of metric m
 *   u:<m> r:<m>  used (settled) and reserved (in flight)
 *   w:<run>      watermark: the run's events up to this seq are in u already
 *   q:<run>:<seq> a settlement that arrived before the counters were initialized
 *   x:<m>        the soft limit of m was warned about
 *
 * plus one sorted set of reservation leases (expiry → reservation id) and one
 * hash of reservations (id → the keys and amounts it holds). A reservation
 * whose worker died is released when its lease expires (swept by the next
 * reservation). Redis is not the source of truth: a scope missing its `c` is
 * refused with "uninitialized" and rebuilt by the caller from PostgreSQL
 * before reserving again; the watermarks make the rebuild exact even while
 * other workers settle concurrently.
 */

/** Releases one reservation: its amounts leave `r` of every scope it held (that still has counters). */
const RELEASE_FN = `
local function release(resKey, leaseKey, id)
  local rec = redis.call('HGET', resKey, id)
  if rec then
    local r = cjson.decode(rec)
    for _, key in ipairs(r.k) do
      if redis.call('HGET', key, 'c') == '1' then
        for j, metric in ipairs(r.m) do
          local left = redis.call('HINCRBY', key, 'r:' .. metric, '-' .. r.a[j])
          if left < 0 then redis.call('HSET', key, 'r:' .. metric, 0) end
        end
      end
    end
    redis.call('HDEL', resKey, id)
  end
  redis.call('ZREM', leaseKey, id)
end
`;

/**
 * KEYS: leases, reservations, scope…
 * ARGV: now, leaseMs, reservationId, nMetrics, metric…, amount…, (ttlMs (unused here), minVersion) per scope
 * → {1} reserved · {1, 1} already held (lease renewed) · {2, i…} scopes without counters ·
 *   {3, i…} scopes whose limits are older than the caller knows · {0, i, metric, limit, used, reserved, requested} refused
 */
const RESERVE = `${RELEASE_FN}
local leaseKey, resKey = KEYS[1], KEYS[2]
local now, lease, id = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local n = tonumber(ARGV[4])
local metrics, amounts = {}, {}
for j = 1, n do
  metrics[j] = ARGV[4 + j]
  amounts[j] = ARGV[4 + n + j]
end
local base = 4 + 2 * n
local scopes = #KEYS - 2

local expired = redis.call('ZRANGEBYSCORE', leaseKey, '-inf', now, 'LIMIT', 0, 32)
for _, old in ipairs(expired) do release(resKey, leaseKey, old) end

if redis.call('HEXISTS', resKey, id) == 1 then
  redis.call('ZADD', leaseKey, now + lease, id)
  return {1, 1}
end

-- One read per scope: initialized?, limits version, then hard/used/reserved of each metric asked for.
local fields = {'c', 'v'}
for j = 1, n do
  fields[#fields + 1] = 'h:' .. metrics[j]
  fields[#fields + 1] = 'u:' .. metrics[j]
  fields[#fields + 1] = 'r:' .. metrics[j]
end
local missing, stale, values = {}, {}, {}
for i = 1, scopes do
  local v = redis.call('HMGET', KEYS[2 + i], unpack(fields))
  values[i] = v
  if v[1] ~= '1' then
    missing[#missing + 1] = i
  else
    local minVersion = tonumber(ARGV[base + 2 * i])
    if minVersion >= 0 and (tonumber(v[2]) or -1) < minVersion then stale[#stale + 1] = i end
  end
end
if #missing > 0 then
  table.insert(missing, 1, 2)
  return missing
end
if #stale > 0 then
  table.insert(stale, 1, 3)
  return stale
end

for i = 1, scopes do
  local v = values[i]
  for j = 1, n do
    local want = tonumber(amounts[j])
    local hard = tonumber(v[3 * j])
    if want > 0 and hard then
      local used = tonumber(v[3 * j + 1]) or 0
      local held = tonumber(v[3 * j + 2]) or 0
      if used + held + want > hard then
        return {0, i, metrics[j], tostring(hard), tostring(used), tostring(held), amounts[j]}
      end
    end
  end
end

-- Counters are kept alive by their settlements (and their initialization), not here.
local keys = {}
for i = 1, scopes do
  local key = KEYS[2 + i]
  keys[i] = key
  for j = 1, n do
    if tonumber(amounts[j]) > 0 then redis.call('HINCRBY', key, 'r:' .. metrics[j], amounts[j]) end
  end
end
redis.call('HSET', resKey, id, cjson.encode({k = keys, m = metrics, a = amounts}))
redis.call('ZADD', leaseKey, now + lease, id)
return {1}
`;

/**
 * KEYS: leases, reservations, scope…
 * ARGV: reservationId ('' for none), runId, seq, nMetrics, metric…, amount…, ttlMs per scope
 * → crossings: {i, metric, soft, used}… (soft limits reached for the first time)
 */
const SETTLE = `${RELEASE_FN}
local leaseKey, resKey = KEYS[1], KEYS[2]
local id, run, seq = ARGV[1], ARGV[2], tonumber(ARGV[3])
local n = tonumber(ARGV[4])
local base = 4 + 2 * n
if id ~= '' then release(resKey, leaseKey, id) end
local crossings = {}
for i = 1, #KEYS - 2 do
  local key = KEYS[2 + i]
  local fields = {'c', 'w:' .. run}
  for j = 1, n do fields[j + 2] = 's:' .. ARGV[4 + j] end
  local state = redis.call('HMGET', key, unpack(fields))
  if state[1] == '1' then
    local mark = tonumber(state[2])
    if not mark or seq > mark then
      for j = 1, n do
        local metric, amount = ARGV[4 + j], ARGV[4 + n + j]
        if tonumber(amount) > 0 then
          local used = redis.call('HINCRBY', key, 'u:' .. metric, amount)
          local soft = tonumber(state[j + 2])
          if soft and used >= soft and redis.call('HSETNX', key, 'x:' .. metric, 1) == 1 then
            crossings[#crossings + 1] = i
            crossings[#crossings + 1] = metric
            crossings[#crossings + 1] = tostring(soft)
            crossings[#crossings + 1] = tostring(used)
          end
        end
      end
    end
  else
    -- Not initialized: keep it for the rebuild, which knows whether the snapshot had it.
    local parts = {}
    for j = 1, n do parts[j] = ARGV[4 + j] .. '=' .. ARGV[4 + n + j] end
    redis.call('HSET', key, 'q:' .. run .. ':' .. ARGV[3], table.concat(parts, ','))
  end
  redis.call('PEXPIRE', key, ARGV[base + i])
end
return crossings
`;

/**
 * Writes limits at a version, never going back: a newer version replaces the
 * limits (a soft limit that moved is warned about again once crossed).
 * KEYS: scope… · ARGV: JSON [{version, ttlMs, limits: {metric: {soft, hard}}}] per scope
 */
const LIMITS_FN = `
local function applyLimits(key, spec, metrics)
  local current = tonumber(redis.call('HGET', key, 'v')) or -1
  if spec.version <= current then return 0 end
  for _, metric in ipairs(metrics) do
    local limit = spec.limits[metric]
    local soft = limit and limit.soft
    local hard = limit and limit.hard
    if hard then redis.call('HSET', key, 'h:' .. metric, hard) else redis.call('HDEL', key, 'h:' .. metric) end
    local oldSoft = redis.call('HGET', key, 's:' .. metric)
    if soft then redis.call('HSET', key, 's:' .. metric, soft) else redis.call('HDEL', key, 's:' .. metric) end
    if oldSoft and (not soft or tonumber(oldSoft) ~= tonumber(soft)) then
      local used = tonumber(redis.call('HGET', key, 'u:' .. metric)) or 0
      if not soft or used < tonumber(soft) then redis.call('HDEL', key, 'x:' .. metric) end
    end
  end
  redis.call('HSET', key, 'v', spec.version)
  return 1
end
`;

const LIMITS = `${LIMITS_FN}
local specs = cjson.decode(ARGV[1])
local metrics = cjson.decode(ARGV[2])
local applied = {}
for i, key in ipairs(KEYS) do
  applied[i] = applyLimits(key, specs[i], metrics)
  if redis.call('PTTL', key) < 0 then redis.call('PEXPIRE', key, specs[i].ttlMs) end
end
return applied
`;

/**
 * Initializes counters from a rebuild (once: a scope that has them keeps
 * them). KEYS: scope… · ARGV: JSON [{version, ttlMs, limits, used: {metric: n},
 * marks: [[run, seq]…], warned: [metric…], assumeWarned}] per scope, limit metrics, counter metrics
 */
const INIT = `${LIMITS_FN}
local specs = cjson.decode(ARGV[1])
local limitMetrics = cjson.decode(ARGV[2])
local metrics = cjson.decode(ARGV[3])
local done = {}
for i, key in ipairs(KEYS) do
  local spec = specs[i]
  applyLimits(key, spec, limitMetrics)
  if redis.call('HGET', key, 'c') == '1' then
    done[i] = 0
  else
    local marks = {}
    for _, mark in ipairs(spec.marks) do
      marks[mark[1]] = mark[2]
      redis.call('HSET', key, 'w:' .. mark[1], mark[2])
    end
    local used = {}
    for _, metric in ipairs(metrics) do used[metric] = tonumber(spec.used[metric]) or 0 end
    local fields = redis.call('HKEYS', key)
    for _, field in ipairs(fields) do
      if string.sub(field, 1, 2) == 'q:' then
        local run, seq = string.match(field, '^q:(.+):(%d+)$')
        local mark = marks[run] or tonumber(redis.call('HGET', key, 'w:' .. run))
        if run and (not mark or tonumber(seq) > mark) then
          local value = redis.call('HGET', key, field)
          for metric, amount in string.gmatch(value, '([%w]+)=(%d+)') do
            if used[metric] then used[metric] = used[metric] + tonumber(amount) end
          end
        end
        redis.call('HDEL', key, field)
      end
    end
    for _, metric in ipairs(metrics) do
      redis.call('HSET', key, 'u:' .. metric, string.format('%d', used[metric]))
      local soft = tonumber(redis.call('HGET', key, 's:' .. metric))
      if spec.assumeWarned and soft and used[metric] >= soft then redis.call('HSET', key, 'x:' .. metric, 1) end
    end
    for _, metric in ipairs(spec.warned) do redis.call('HSET', key, 'x:' .. metric, 1) end
    redis.call('HSET', key, 'c', 1)
    done[i] = 1
  end
  redis.call('PEXPIRE', key, spec.ttlMs)
end
return done
`;

class Script {
  readonly sha: string;
  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** EVALSHA, falling back to EVAL once when the server does not have the script (yet, or any more). */
  async run(redis: Redis, keys: readonly string[], args: ReadonlyArray<string | number>) {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return await redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

/** Limits with every number as a decimal string: Lua would print large numbers in exponent form. */
function limitsJson(limits: BudgetLimits): Record<string, { soft?: string; hard?: string }> {
  const out: Record<string, { soft?: string; hard?: string }> = {};
  for (const m of BUDGET_METRICS) {
    const limit = limits[m];
    if (!limit) continue;
    out[m] = {
      ...(limit.soft !== undefined ? { soft: String(limit.soft) } : {}),
      ...(limit.hard !== undefined ? { hard: String(limit.hard) } : {}),
    };
  }
  return out;
}

const scripts = {
  reserve: new Script(RESERVE),
  settle: new Script(SETTLE),
  limits: new Script(LIMITS),
  init: new Script(INIT),
};

/** How long a reservation holds if its worker never settles it. */
export const RESERVATION_LEASE_MS = 15 * 60 * 1000;

export const budgetLeasesKey = (prefix: string) => `${prefix}:budget:leases`;
export const budgetReservationsKey = (prefix: string) => `${prefix}:budget:reservations`;
/** A scope's counters: `scopeId` (domain) under the prefix. */
export const budgetScopeKey = (prefix: string, scopeId: string) => `${prefix}:budget:${scopeId}`;

export interface CounterKey {
  key: string;
  /** Kept this long after it was last touched. */
  ttlMs: number;
  /** Refuse as stale when the stored limits are older than this version (-1: do not check). */
  minVersion?: number;
}

export type ReserveOutcome =
  | { kind: 'reserved'; renewed: boolean }
  | { kind: 'uninitialized'; scopes: number[] }
  | { kind: 'stale-limits'; scopes: number[] }
  | {
      kind: 'exceeded';
      /** Index into the keys given. */
      scope: number;
      metric: CounterMetric;
      limit: number;
      used: number;
      reserved: number;
      requested: number;
    };

const nonZero = (amounts: BudgetAmounts): Array<[CounterMetric, number]> =>
  COUNTER_METRICS.flatMap((m) => {
    const amount = amounts[m] ?? 0;
    if (!Number.isSafeInteger(amount) || amount < 0)
      throw new Error(`budget amount ${m}=${amount} is not a non-negative integer`);
    return amount > 0 ? [[m, amount] as [CounterMetric, number]] : [];
  });

/** Reserve `amounts` against every key at once, or refuse naming the first key and metric that would go over. */
export async function reserveBudget(
  redis: Redis,
  prefix: string,
  input: {
    reservationId: string;
    keys: readonly CounterKey[];
    amounts: BudgetAmounts;
    leaseMs?: number;
    now?: number;
  },
): Promise<ReserveOutcome> {
  const entries = nonZero(input.amounts);
  const raw = (await scripts.reserve.run(
    redis,
    [budgetLeasesKey(prefix), budgetReservationsKey(prefix), ...input.keys.map((k) => k.key)],
    [
      input.now ?? Date.now(),
      input.leaseMs ?? RESERVATION_LEASE_MS,
      input.reservationId,
      entries.length,
      ...entries.map(([m]) => m),
      ...entries.map(([, a]) => a),
      ...input.keys.flatMap((k) => [k.ttlMs, k.minVersion ?? -1]),
    ],
  )) as Array<number | string>;
  const [code, ...rest] = raw;
  if (code === 1) return { kind: 'reserved', renewed: rest[0] === 1 };
  if (code === 2) return { kind: 'uninitialized', scopes: rest.map((i) => Number(i) - 1) };
  if (code === 3) return { kind: 'stale-limits', scopes: rest.map((i) => Number(i) - 1) };
  const [scope, metric, limit, used, reserved, requested] = rest;
  return {
    kind: 'exceeded',
    scope: Number(scope) - 1,
    metric: metric as CounterMetric,
    limit: Number(limit),
    used: Number(used),
    reserved: Number(reserved),
    requested: Number(requested),
  };
}

export interface SoftCrossed {
  scope: number;
  metric: CounterMetric;
  soft: number;
  used: number;
}

/**
 * Settle after the call: release the reservation (if any) and add what the
 * event `seq` of `runId` really used to every key (each key counts it once:
 * not if its watermark says the rebuild had it already). Returns the soft
 * limits this crossed for the first time.
 */
export async function settleBudget(
  redis: Redis,
  prefix: string,
  input: {
    reservationId: string | null;
    runId: string;
    seq: number;
    keys: readonly CounterKey[];
    amounts: BudgetAmounts;
  },
): Promise<SoftCrossed[]> {
  const entries = nonZero(input.amounts);
  const raw = (await scripts.settle.run(
    redis,
    [budgetLeasesKey(prefix), budgetReservationsKey(prefix), ...input.keys.map((k) => k.key)],
    [
      input.reservationId ?? '',
      input.runId,
      input.seq,
      entries.length,
      ...entries.map(([m]) => m),
      ...entries.map(([, a]) => a),
      ...input.keys.map((k) => k.ttlMs),
    ],
  )) as Array<number | string>;
  const crossed: SoftCrossed[] = [];
  for (let i = 0; i + 3 < raw.length; i += 4) {
    crossed.push({
      scope: Number(raw[i]) - 1,
      metric: raw[i + 1] as CounterMetric,
      soft: Number(raw[i + 2]),
      used: Number(raw[i + 3]),
    });
  }
  return crossed;
}

/** Release a reservation without usage (the call did not happen). */
export async function releaseBudget(
  redis: Redis,
  prefix: string,
  reservationId: string,
): Promise<void> {
  await scripts.settle.run(
    redis,
    [budgetLeasesKey(prefix), budgetReservationsKey(prefix)],
    [reservationId, '', 0, 0],
  );
}

export interface LimitsWrite {
  key: string;
  ttlMs: number;
  version: number;
  limits: BudgetLimits;
}

/** Limits for the counters (stored with their version; an older version never replaces a newer one). */
export async function writeBudgetLimits(
  redis: Redis,
  writes: readonly LimitsWrite[],
): Promise<boolean[]> {
  if (writes.length === 0) return [];
  const applied = (await scripts.limits.run(
    redis,
    writes.map((w) => w.key),
    [
      JSON.stringify(
        writes.map((w) => ({ version: w.version, ttlMs: w.ttlMs, limits: limitsJson(w.limits) })),
      ),
      JSON.stringify(BUDGET_METRICS),
    ],
  )) as number[];
  return applied.map((a) => a === 1);
}

export interface CounterInit extends LimitsWrite {
  used: BudgetAmounts;
  /** Runs whose events up to seq are in `used`. */
  marks: ReadonlyArray<{ runId: string; lastSeq: number }>;
  /** Metrics whose soft limit was already warned about. */
  warned: readonly BudgetMetric[];
  /** Treat a soft limit already passed as warned (when the log of warnings is not at hand). */
  assumeWarned: boolean;
}

/** Initialize counters from a rebuild; keys that already have counters keep them. Returns which were initialized. */
export async function initBudgetCounters(
  redis: Redis,
  inits: readonly CounterInit[],
): Promise<boolean[]> {
  if (inits.length === 0) return [];
  const done = (await scripts.init.run(
    redis,
    inits.map((i) => i.key),
    [
      JSON.stringify(
        inits.map((i) => ({
          version: i.version,
          ttlMs: i.ttlMs,
          limits: limitsJson(i.limits),
          used: Object.fromEntries(COUNTER_METRICS.map((m) => [m, String(i.used[m] ?? 0)])),
          marks: i.marks.map((m) => [m.runId, m.lastSeq]),
          warned: i.warned,
          assumeWarned: i.assumeWarned,
        })),
      ),
      JSON.stringify(BUDGET_METRICS),
      JSON.stringify(COUNTER_METRICS),
    ],
  )) as number[];
  return done.map((d) => d === 1);
}

export interface StoredCounters {
  initialized: boolean;
  version: number | null;
  limits: BudgetLimits;
  used: BudgetAmounts;
  reserved: BudgetAmounts;
}

/** The counters and limits of some keys as they are now (one round trip). */
export async function readBudgetCounters(
  redis: Redis,
  keys: readonly string[],
): Promise<StoredCounters[]> {
  const fields = [
    'c',
    'v',
    ...BUDGET_METRICS.flatMap((m) => [`h:${m}`, `s:${m}`]),
    ...COUNTER_METRICS.flatMap((m) => [`u:${m}`, `r:${m}`]),
  ];
  const pipeline = redis.pipeline();
  for (const key of keys) pipeline.hmget(key, ...fields);
  const results = (await pipeline.exec()) ?? [];
  return results.map(([error, values]) => {
    if (error) throw error;
    const v = values as Array<string | null>;
    const get = (field: string) => {
      const raw = v[fields.indexOf(field)];
      return raw === null || raw === undefined ? undefined : Number(raw);
    };
    const limits: BudgetLimits = {};
    for (const m of BUDGET_METRICS) {
      const hard = get(`h:${m}`);
      const soft = get(`s:${m}`);
      if (hard !== undefined || soft !== undefined)
        limits[m] = {
          ...(soft !== undefined ? { soft } : {}),
          ...(hard !== undefined ? { hard } : {}),
        };
    }
    const used: BudgetAmounts = {};
    const reserved: BudgetAmounts = {};
    for (const m of COUNTER_METRICS) {
      const u = get(`u:${m}`);
      const r = get(`r:${m}`);
      if (u) used[m] = u;
      if (r) reserved[m] = r;
    }
    return { initialized: get('c') === 1, version: get('v') ?? null, limits, used, reserved };
  });
}

/** Claim the one warning about a soft limit of one scope (true for the first caller only). */
export async function claimBudgetWarning(
  redis: Redis,
  key: string,
  metric: BudgetMetric,
): Promise<boolean> {
  return (await redis.hsetnx(key, `x:${metric}`, 1)) === 1;
}
