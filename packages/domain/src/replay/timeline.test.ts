import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reduceEvents } from '../events/reducer';
import { AGENT, type LogBuilder, modelTurn, startedRun } from '../test/event-builder';
import { MomentIndex, momentOf, ReplayIndex } from './timeline';

/** A lead that works `turns` turns, each a model call and a tool call, some of which fail. */
function workingRun(turns: number): LogBuilder {
  const log = startedRun();
  for (let t = 1; t <= turns; t++) {
    const callId = `c${t}`;
    modelTurn(log, AGENT.lead, [{ callId, tool: 'fs.read', args: { path: `${t}.md` } }], {
      turn: t,
      callId: `m${t}`,
    });
    log.add({
      type: 'tool.call.dispatched',
      agentId: AGENT.lead,
      payload: { callId, tool: 'fs.read', args: { path: `${t}.md` } },
    });
    log.add({
      type: 'tool.call.finished',
      agentId: AGENT.lead,
      payload: { callId, tool: 'fs.read', ok: t % 7 !== 0, output: 'x', durationMs: 1 },
    });
    log.add({ type: 'agent.turn.finished', agentId: AGENT.lead, payload: { turn: t } });
  }
  return log;
}

describe('ReplayIndex', () => {
  const log = workingRun(60); // 2 + 60 × 6 = 362 events
  const events = log.events;

  it('answers the reducer’s state at every seq, in any order', () => {
    const index = new ReplayIndex(16);
    index.extend(events);
    expect(index.length).toBe(events.length);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: events.length }), { maxLength: 12 }),
        (seqs) => {
          for (const seq of seqs)
            expect(index.stateAt(seq)).toEqual(reduceEvents(events.slice(0, seq)));
        },
      ),
      { numRuns: 30 },
    );
    // Deep comparisons of whole states: slow on a loaded machine, not wrong.
  }, 30_000);

  it('steps forward and back one event at a time', () => {
    const index = new ReplayIndex(10);
    index.extend(events);
    for (let seq = 0; seq <= 40; seq++) expect(index.stateAt(seq).lastSeq).toBe(seq);
    for (let seq = 40; seq >= 0; seq--) expect(index.stateAt(seq).lastSeq).toBe(seq);
    // Out of range is clamped.
    expect(index.stateAt(-5).lastSeq).toBe(0);
    expect(index.stateAt(1e9)).toBe(index.latest);
  });

  it('follows a growing log, and starts over on another', () => {
    const growing = events.slice(0, 5);
    const index = new ReplayIndex(4);
    index.extend(growing);
    expect(index.latest.lastSeq).toBe(5);
    growing.push(...events.slice(5, 50));
    index.extend(growing);
    expect(index.latest).toEqual(reduceEvents(events.slice(0, 50)));
    expect(index.stateAt(3)).toEqual(reduceEvents(events.slice(0, 3)));
    index.extend(growing, 20); // fewer than indexed: a new start
    expect(index.length).toBe(20);
    index.extend(events.slice(0, 7));
    expect(index.latest.lastSeq).toBe(7);
  });

  it('stops at an event the reducer rejects, and says why', () => {
    const broken = [...events.slice(0, 10), { ...events[20]!, seq: 11 }];
    const index = new ReplayIndex(4);
    index.extend(broken);
    expect(index.length).toBe(10);
    expect(index.error).toMatch(/event 11/);
  });
});

describe('moments', () => {
  it('finds errors, kills and approvals, and jumps between them', () => {
    const log = workingRun(30);
    log.add({
      type: 'agent.killed',
      agentId: AGENT.lead,
      payload: { by: { kind: 'user', id: 'op' }, reason: 'enough' },
    });
    const moments = new MomentIndex();
    moments.extend(log.events);
    // Every 7th read fails: turns 7, 14, 21, 28.
    const failed = log.events
      .filter((e) => e.type === 'tool.call.finished' && !e.payload.ok)
      .map((e) => e.seq);
    expect(failed).toHaveLength(4);
    expect(moments.seqs.error).toEqual(failed);
    expect(moments.seqs.kill).toEqual([log.events.length]);
    expect(moments.next('error', 0)).toBe(failed[0]);
    expect(moments.next('error', failed[0]!)).toBe(failed[1]);
    expect(moments.next('error', failed[1]!, -1)).toBe(failed[0]);
    expect(moments.next('error', failed[0]!, -1)).toBeNull();
    expect(moments.next('error', failed[3]!)).toBeNull();
    expect(moments.next('approval', 0)).toBeNull();
    expect(momentOf(log.events[0]!)).toBeNull();
  });
});
