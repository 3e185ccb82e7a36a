import { describe, expect, it } from 'vitest';
import { reduceEvents } from '../events/reducer';
import { agentId, TeamScript } from '../test/team-script';
import { coveringBreakers } from './board';
import { breakerGauges, detectBreakerTrips, measureBreaker, trailingRepeats } from './detect';
import {
  type BreakerOverrides,
  DEFAULT_BREAKER_THRESHOLDS,
  mergeThresholds,
  type RunBreakerKind,
} from './thresholds';

const op = { kind: 'user', id: 'op' } as const;

/** A team whose breakers are the defaults, but for `overrides` (and only `only` enabled, when given). */
function team(overrides: BreakerOverrides = {}, only?: RunBreakerKind[]): TeamScript {
  const script = new TeamScript();
  const enabled: BreakerOverrides = only
    ? Object.fromEntries(
        (
          [
            'consecutiveErrors',
            'windowedErrors',
            'repeatedCall',
            'cycle',
            'noProgress',
            'bounce',
            'costVelocity',
            'spawnFailures',
          ] as const
        ).map((k) => [k, { enabled: only.includes(k) }]),
      )
    : {};
  script.add({
    type: 'breaker.thresholds.changed',
    agentId: null,
    payload: {
      thresholds: mergeThresholds(DEFAULT_BREAKER_THRESHOLDS, enabled, overrides),
      by: op,
      reason: 'test',
      source: 'spawn',
    },
  });
  return script;
}

const tripped = (script: TeamScript) => detectBreakerTrips(script.state()).map((t) => t.kind);

/** Plays `step` until a breaker trips; returns how many steps that took (or -1). */
function stepsUntilTrip(script: TeamScript, step: (i: number) => void, limit = 200): number {
  for (let i = 0; i < limit; i++) {
    step(i);
    if (detectBreakerTrips(script.state()).length) return i + 1;
  }
  return -1;
}

describe('consecutive errors', () => {
  it('trips on failures in a row across agents and tools, and a success resets the count', () => {
    const script = team({ consecutiveErrors: { max: 4 } }, ['consecutiveErrors']);
    const worker = script.spawn(2, 'worker');
    script.call(script.lead, 'fs.read', { path: 'a' }, { ok: false, output: 'ENOENT' });
    script.call(worker, 'shell', { command: 'x' }, { ok: false, output: 'exit 1' });
    script.refused(script.lead, 'http.fetch', { url: 'https://x' });
    expect(tripped(script)).toEqual([]);
    script.call(worker, 'fs.list', { path: '.' });
    expect(measureBreaker(script.state(), 'consecutiveErrors').value).toBe(0);
    script.call(script.lead, 'fs.read', { path: 'b' }, { ok: false, output: 'ENOENT' });
    script.modelFailure(worker);
    script.call(worker, 'shell', { command: 'y' }, { ok: false, output: 'exit 2' });
    expect(tripped(script)).toEqual([]);
    script.call(script.lead, 'fs.read', { path: 'c' }, { ok: false, output: 'ENOENT' });
    const [trip] = detectBreakerTrips(script.state());
    expect(trip).toMatchObject({ kind: 'consecutiveErrors', value: 4, threshold: 4, agents: [] });
    expect(trip!.reason).toContain('4 calls failed in a row');
    expect(trip!.evidence.map((e) => e.text)).toEqual([
      'lead: fs.read {"path":"b"} failed: ENOENT',
      'worker: simulated/gpt-4o-mini failed: HTTP 503: overloaded',
      'worker: shell {"command":"y"} failed: exit 2',
      'lead: fs.read {"path":"c"} failed: ENOENT',
    ]);
  });
});

describe('windowed errors', () => {
  it('trips when enough of the recent calls failed, even with successes between them', () => {
    const script = team({ windowedErrors: { max: 4, window: 8 } }, ['windowedErrors']);
    const steps = stepsUntilTrip(script, (i) =>
      script.call(script.lead, 'fs.read', { path: `f${i}` }, { ok: i % 2 === 1, output: 'x' }),
    );
    // Failures at steps 1, 3, 5, 7: the fourth lands on the seventh call.
    expect(steps).toBe(7);
    expect(tripped(script)).toEqual(['windowedErrors']);
  });

  it('forgets failures that left the window', () => {
    const script = team({ windowedErrors: { max: 3, window: 4 } }, ['windowedErrors']);
    // One failure every third call: never three in any four.
    expect(
      stepsUntilTrip(
        script,
        (i) => script.call(script.lead, 'fs.read', { path: `f${i}` }, { ok: i % 3 !== 0 }),
        60,
      ),
    ).toBe(-1);
  });
});

describe('repeated call', () => {
  it('trips on the same call made again, whoever makes it', () => {
    const script = team({ repeatedCall: { max: 4, window: 50 } }, ['repeatedCall']);
    const worker = script.spawn(2, 'worker');
    const agents = [script.lead, worker, script.lead, worker];
    const steps = stepsUntilTrip(script, (i) => {
      script.call(agents[i % 4]!, 'fs.read', { path: 'plan.md' }, { output: 'the plan' });
      script.call(agents[i % 4]!, 'fs.list', { path: `dir${i}` });
    });
    // Four calls by two agents: two are first times, so it takes six calls to make four repeats … of the first.
    expect(steps).toBe(5);
    const [trip] = detectBreakerTrips(script.state());
    expect(trip).toMatchObject({ kind: 'repeatedCall', value: 4 });
    expect(trip!.agents.sort()).toEqual([script.lead, worker].sort());
    expect(trip!.reason).toContain('fs.read {"path":"plan.md"} made 5 times by');
  });

  it('does not count ten agents each making the same first call', () => {
    const script = team({}, ['repeatedCall']);
    for (let n = 2; n < 12; n++) {
      const worker = script.spawn(n, `worker-${n}`);
      script.call(worker, 'fs.list', { path: '.' });
    }
    expect(measureBreaker(script.state(), 'repeatedCall').value).toBe(1);
    expect(tripped(script)).toEqual([]);
  });
});

describe('loops', () => {
  it('trips on an agent alternating between two tools (no tool is called often enough to trip a per-tool count)', () => {
    const script = team({}, ['repeatedCall', 'cycle']);
    const steps = stepsUntilTrip(script, (i) =>
      i % 2 === 0
        ? script.call(script.lead, 'fs.write', { path: 'a.md', content: 'same' })
        : script.call(script.lead, 'fs.read', { path: 'a.md' }, { output: 'same' }),
    );
    expect(steps).toBe(6);
    const [trip] = detectBreakerTrips(script.state());
    expect(trip).toMatchObject({ kind: 'cycle', value: 3, threshold: 3, agents: [script.lead] });
    expect(trip!.reason).toContain('a cycle of 2 calls (fs.write → fs.read) repeated 3 times');
    expect(trip!.evidence).toHaveLength(6);
  });

  it('finds a cycle of three calls in one agent while others work in between', () => {
    const script = team({}, ['cycle']);
    const looper = script.spawn(2, 'looper');
    const busy = script.spawn(3, 'busy');
    const cycle = [
      ['fs.list', { path: '.' }],
      ['shell', { command: 'git status' }],
      ['fs.read', { path: 'x' }],
    ] as const;
    const steps = stepsUntilTrip(script, (i) => {
      const [tool, args] = cycle[i % 3]!;
      script.call(looper, tool, args);
      script.call(busy, 'fs.write', { path: `notes/${i}.md`, content: `note ${i}` });
    });
    expect(steps).toBe(9);
    expect(detectBreakerTrips(script.state())[0]).toMatchObject({
      kind: 'cycle',
      agents: [looper],
    });
  });

  it('finds a loop two agents make together (only the team-wide sequence repeats)', () => {
    const script = team({}, ['cycle']);
    const a = script.spawn(2, 'a');
    const b = script.spawn(3, 'b');
    // Each agent alone makes one call again and again (no cycle); together they alternate.
    const steps = stepsUntilTrip(script, () => {
      script.call(a, 'fs.read', { path: 'in' });
      script.call(b, 'fs.write', { path: 'out', content: 'same' });
    });
    expect(steps).toBe(3);
    expect(detectBreakerTrips(script.state())[0]!.agents.sort()).toEqual([a, b].sort());
  });

  it('counts trailing repeats exactly', () => {
    const seq = (sigs: string) =>
      [...sigs].map((sig, i) => ({
        seq: i + 1,
        at: '',
        agentId: 'a',
        tool: sig,
        sig,
        label: sig,
        ok: true,
        result: '',
      }));
    expect(trailingRepeats(seq('ababab'), 2)).toBe(3);
    expect(trailingRepeats(seq('xababa'), 2)).toBe(2);
    expect(trailingRepeats(seq('aaaaaa'), 2)).toBe(0);
    expect(trailingRepeats(seq('abcabcab'), 3)).toBe(2);
    expect(trailingRepeats(seq('ab'), 2)).toBe(1);
  });
});

describe('no progress', () => {
  it('trips after team turns that bring nothing new, and a new result is progress', () => {
    const script = team({ noProgress: { turns: 5 } }, ['noProgress']);
    const worker = script.spawn(2, 'worker');
    script.call(worker, 'fs.read', { path: 'status' }, { output: 'pending' }); // new: progress
    for (let i = 0; i < 4; i++)
      script.call(
        i % 2 ? worker : script.lead,
        'fs.read',
        { path: 'status' },
        { output: 'pending' },
      );
    // Four turns with nothing new, but the lead's first turn is not counted (a start, not a stall).
    expect(measureBreaker(script.state(), 'noProgress').value).toBe(3);
    script.call(worker, 'fs.read', { path: 'status' }, { output: 'done' }); // a new result
    expect(measureBreaker(script.state(), 'noProgress').value).toBe(0);
    const steps = stepsUntilTrip(script, () =>
      script.call(worker, 'fs.read', { path: 'status' }, { output: 'done' }),
    );
    expect(steps).toBe(5);
    expect(detectBreakerTrips(script.state())[0]).toMatchObject({ kind: 'noProgress', agents: [] });
  });

  it('does not count failures as progress', () => {
    const script = team({ noProgress: { turns: 3 } }, ['noProgress']);
    script.call(script.lead, 'fs.list', { path: '.' });
    const steps = stepsUntilTrip(script, (i) =>
      script.call(script.lead, 'fs.read', { path: `missing-${i}` }, { ok: false }),
    );
    expect(steps).toBe(3);
  });
});

describe('bouncing exchanges', () => {
  it('trips on a delegation answered the same way again and again', () => {
    const script = team({}, ['bounce']);
    let n = 10;
    const steps = stepsUntilTrip(script, () => {
      script.delegate(script.lead, n++, 'checker', 'check the claim', 'the claim holds');
    });
    expect(steps).toBe(3);
    const [trip] = detectBreakerTrips(script.state());
    expect(trip).toMatchObject({ kind: 'bounce', value: 3 });
    expect(trip!.agents).toContain(script.lead);
    expect(trip!.reason).toContain('lead and checker bounced the same exchange 3 times');
  });

  it('trips on two agents handing a file back and forth', () => {
    const script = team({ bounce: { max: 2 } }, ['bounce']);
    const a = script.spawn(2, 'editor');
    const b = script.spawn(3, 'reviewer');
    const steps = stepsUntilTrip(script, (i) =>
      script.call(i % 2 ? b : a, 'fs.write', { path: 'draft.md', content: i % 2 ? 'v2' : 'v1' }),
    );
    // editor v1 → reviewer v2 (1) → editor v1 → reviewer v2 (2): the same exchange twice.
    expect(steps).toBe(4);
    expect(detectBreakerTrips(script.state())[0]!.agents.sort()).toEqual([a, b].sort());
  });

  it('does not count different reports, or different tasks', () => {
    const script = team({}, ['bounce']);
    for (let i = 0; i < 6; i++)
      script.delegate(script.lead, 10 + i, 'checker', `task ${i}`, 'fine');
    for (let i = 0; i < 6; i++)
      script.delegate(script.lead, 20 + i, 'checker', 'same task', `finding ${i}`);
    expect(tripped(script)).toEqual([]);
  });
});

describe('cost velocity', () => {
  it('trips on spend per minute over the window, and not on the same spend spread out', () => {
    // The log's events are one second apart; each call here costs $0.10.
    const fast = team({ costVelocity: { maxUsdPerMinute: 1, windowSeconds: 60 } }, [
      'costVelocity',
    ]);
    const steps = stepsUntilTrip(fast, (i) =>
      fast.call(fast.lead, 'fs.list', { path: `d${i}` }, { cost: 100_000 }),
    );
    expect(steps).toBe(10);
    const [trip] = detectBreakerTrips(fast.state());
    expect(trip).toMatchObject({ kind: 'costVelocity', value: 1, threshold: 1 });
    expect(trip!.reason).toContain('$1.00 per minute over the last 60 s');

    const slow = team({ costVelocity: { maxUsdPerMinute: 1, windowSeconds: 10 } }, [
      'costVelocity',
    ]);
    // Six events per call: $0.10 every 6 s is $1 per minute … exactly under a 10 s window it is 2 calls: $1.20/min.
    expect(
      stepsUntilTrip(
        slow,
        (i) => slow.call(slow.lead, 'fs.list', { path: `d${i}` }, { cost: 50_000 }),
        100,
      ),
    ).toBe(-1);
  });
});

describe('failed spawns', () => {
  it('trips on delegations refused or failing, counted across the team', () => {
    const script = team({}, ['spawnFailures']);
    const worker = script.spawn(2, 'worker');
    script.delegate(script.lead, 10, 'helper', 'a', 'fine');
    script.refusedDelegation(script.lead, 'helper', 'b', 'children limit reached (4 per agent)');
    script.delegate(worker, 11, 'helper', 'c', 'could not start', false);
    expect(tripped(script)).toEqual([]);
    script.refusedDelegation(worker, 'nobody', 'd', 'invalid arguments: agent: invalid option');
    const [trip] = detectBreakerTrips(script.state());
    expect(trip).toMatchObject({ kind: 'spawnFailures', value: 3 });
    expect(trip!.evidence.map((e) => e.text)).toEqual([
      'lead → helper: children limit reached (4 per agent)',
      'worker → helper: subagent helper failed: could not start',
      'worker → nobody: invalid arguments: agent: invalid option',
    ]);
  });
});

describe('a long healthy run', () => {
  it('never trips with the default thresholds: hundreds of varied calls, some errors, several agents', () => {
    const script = team();
    const workers = [2, 3, 4, 5].map((n) => script.spawn(n, `worker-${n}`));
    let checked = 0;
    for (let i = 0; i < 400; i++) {
      const agent = workers[i % workers.length]!;
      switch (i % 7) {
        case 0:
          script.call(agent, 'fs.list', { path: `notes/${Math.floor(i / 7)}` });
          break;
        case 1:
          script.call(agent, 'fs.write', { path: `notes/${i}.md`, content: `finding ${i}` });
          break;
        case 2:
          script.call(
            agent,
            'fs.read',
            { path: `notes/${i - 1}.md` },
            { output: `finding ${i - 1}` },
          );
          break;
        case 3:
          // Now and then a read of something that is not there.
          script.call(
            agent,
            'fs.read',
            { path: `sources/${i}.txt` },
            { ok: i % 3 !== 0, output: 'x' },
          );
          break;
        case 4:
          script.call(agent, 'shell', { command: `make test-${i}` }, { output: `ok ${i}` });
          break;
        case 5:
          script.call(agent, 'http.fetch', { url: `https://example.com/${i}` }, { cost: 400 });
          break;
        default:
          script.delegate(agent, 1000 + i, 'checker', `check finding ${i}`, `finding ${i} holds`);
      }
      if (i % 10 === 9) {
        expect(detectBreakerTrips(script.state())).toEqual([]);
        checked++;
      }
    }
    expect(checked).toBe(40);
    const state = script.state();
    expect(state.totals.toolCalls).toBeGreaterThan(390);
    for (const gauge of breakerGauges(state).filter((g) => g.measure))
      expect(gauge.measure!.over, gauge.key).toBe(false);
  });
});

describe('breaker states in the log', () => {
  function trippedLoop() {
    const script = team({}, ['cycle']);
    for (let i = 0; i < 6; i++)
      script.call(script.lead, i % 2 ? 'fs.read' : 'fs.list', { path: '.' });
    const [trip] = detectBreakerTrips(script.state());
    script.add({
      type: 'breaker.opened',
      agentId: null,
      payload: {
        breaker: trip!.key,
        kind: trip!.kind,
        reason: trip!.reason,
        evidence: trip!.evidence,
        agents: trip!.agents,
        value: trip!.value,
        threshold: trip!.threshold,
        retryAt: null,
      },
    });
    return script;
  }

  it('replays: an opened breaker is open, holds its agents, and does not trip twice', () => {
    const script = trippedLoop();
    const state = script.state();
    expect(state.breakers.states.cycle).toMatchObject({ status: 'open', trips: 1 });
    expect(state.breakers.states.cycle!.opened!.evidence).toHaveLength(6);
    expect(coveringBreakers(state, script.lead).map((b) => b.key)).toEqual(['cycle']);
    expect(coveringBreakers(state, agentId(99))).toEqual([]);
    expect(detectBreakerTrips(state)).toEqual([]);
    // The same log, reduced again, gives the same state.
    expect(reduceEvents(script.log.events)).toEqual(state);
  });

  it('counts afresh after a reset: the evidence it was reset over does not trip it again', () => {
    const script = trippedLoop();
    script.reset('cycle', 'cycle');
    let state = script.state();
    expect(state.breakers.states.cycle).toMatchObject({
      status: 'closed',
      closed: { by: op, reason: 'looked at it' },
    });
    expect(measureBreaker(state, 'cycle').value).toBe(0);
    expect(detectBreakerTrips(state)).toEqual([]);
    // The loop goes on: it trips again after another three cycles.
    const steps = stepsUntilTrip(script, (i) =>
      script.call(script.lead, i % 2 ? 'fs.read' : 'fs.list', { path: '.' }),
    );
    expect(steps).toBe(6);
    state = script.state();
    expect(state.breakers.states.cycle!.trips).toBe(1);
  });

  it('ignores opening an open breaker and closing a closed one (two workers may both record it)', () => {
    const script = trippedLoop();
    const opened = script.log.events.at(-1)!;
    script.add({ type: 'breaker.opened', agentId: null, payload: opened.payload });
    expect(script.state().breakers.states.cycle!.trips).toBe(1);
    script.reset('cycle', 'cycle');
    script.reset('cycle', 'cycle', 'again');
    expect(script.state().breakers.states.cycle!.closed!.reason).toBe('looked at it');
  });

  it('applies changed thresholds from the next check on', () => {
    const script = team({}, ['consecutiveErrors']);
    for (let i = 0; i < 3; i++)
      script.call(script.lead, 'fs.read', { path: `${i}` }, { ok: false });
    expect(tripped(script)).toEqual([]);
    script.add({
      type: 'breaker.thresholds.changed',
      agentId: null,
      payload: {
        thresholds: mergeThresholds(script.state().breakers.thresholds, {
          consecutiveErrors: { max: 3 },
        }),
        by: op,
        reason: 'tighter',
        source: 'run',
      },
    });
    expect(tripped(script)).toEqual(['consecutiveErrors']);
    expect(script.state().breakers.thresholdsSet).toMatchObject({
      by: op,
      reason: 'tighter',
      source: 'run',
    });
  });

  it('shows every breaker with its counter against its threshold', () => {
    const script = team();
    script.call(script.lead, 'fs.read', { path: 'x' }, { ok: false });
    const gauges = breakerGauges(script.state());
    expect(gauges.map((g) => g.key)).toEqual([
      'consecutiveErrors',
      'windowedErrors',
      'repeatedCall',
      'cycle',
      'noProgress',
      'bounce',
      'costVelocity',
      'spawnFailures',
    ]);
    expect(gauges[0]).toMatchObject({
      status: 'closed',
      enabled: true,
      measure: { value: 1, threshold: 6 },
    });
  });
});
