import { describe, expect, it } from 'vitest';
import type { Message } from '@flightdeck/domain';
import { simulatedProvider, simulateResponse } from './simulated';
import type { ModelRequest, SimulationOptions } from './types';

const options: SimulationOptions = {
  latencyMs: 0,
  errorRate: 0,
  minSteps: 2,
  maxSteps: 2,
  seed: 42,
  agentName: 'researcher',
  agentKey: 'researcher:1:dig',
  isLead: false,
};

const fsTools = ['fs.read', 'fs.write', 'fs.list'].map((name) => ({
  name,
  description: name,
  parameters: {},
}));
const delegateTool = {
  name: 'delegate',
  description: 'delegate',
  parameters: {
    type: 'object',
    properties: { agent: { enum: ['researcher', 'writer'] }, task: { type: 'string' } },
  },
};

function request(messages: Message[], tools = fsTools): ModelRequest {
  return {
    model: { provider: 'simulated', name: 'gpt-4o-mini' },
    system: 'You research.',
    messages,
    tools,
    maxOutputTokens: 512,
    signal: new AbortController().signal,
  };
}

const task: Message = {
  role: 'user',
  content: 'Survey battery recycling startups in Europe',
  seq: 1,
};

describe('simulated model', () => {
  it('is deterministic for the same seed and conversation', () => {
    const a = simulateResponse(request([task]), options);
    const b = simulateResponse(request([task]), options);
    expect(a).toEqual(b);
    const other = simulateResponse(request([task]), { ...options, seed: 43, errorRate: 0.5 });
    expect(JSON.stringify(other)).not.toEqual(JSON.stringify(a)); // different seed, different run
  });

  it('lets a lead delegate to every agent it may, then write the report, then finish', () => {
    const lead = { ...options, isLead: true, agentName: 'lead', agentKey: 'lead' };
    const plan = simulateResponse(request([task], [...fsTools, delegateTool]), lead);
    expect(plan.toolCalls.map((c) => [c.tool, c.args.agent])).toEqual([
      ['delegate', 'researcher'],
      ['delegate', 'writer'],
    ]);
    const afterResults: Message[] = [
      task,
      {
        role: 'assistant',
        content: plan.text,
        toolCalls: plan.toolCalls.map((c, i) => ({ ...c, callId: `d${i}` })),
        seq: 2,
      },
      { role: 'tool', callId: 'd0', tool: 'delegate', ok: true, content: 'facts', seq: 3 },
      { role: 'tool', callId: 'd1', tool: 'delegate', ok: true, content: 'prose', seq: 4 },
    ];
    const report = simulateResponse(request(afterResults, [...fsTools, delegateTool]), lead);
    expect(report.toolCalls).toHaveLength(1);
    expect(report.toolCalls[0]).toMatchObject({ tool: 'fs.write', args: { path: 'report.md' } });
    expect(String(report.toolCalls[0]?.args.content)).toContain('facts');
    const done = simulateResponse(
      request(
        [
          ...afterResults,
          {
            role: 'assistant',
            content: report.text,
            toolCalls: report.toolCalls.map((c) => ({ ...c, callId: 'w' })),
            seq: 5,
          },
        ],
        [...fsTools, delegateTool],
      ),
      lead,
    );
    expect(done.toolCalls).toEqual([]);
    expect(done.finishReason).toBe('stop');
  });

  it('works for its number of steps with the tools it has, then reports', () => {
    const messages: Message[] = [task];
    for (let step = 0; step < 2; step++) {
      const r = simulateResponse(request(messages), options);
      expect(r.toolCalls).toHaveLength(1);
      expect(fsTools.map((t) => t.name)).toContain(r.toolCalls[0]?.tool);
      messages.push({
        role: 'assistant',
        content: r.text,
        toolCalls: r.toolCalls.map((c) => ({ ...c, callId: `c${step}` })),
        seq: messages.length + 1,
      });
      messages.push({
        role: 'tool',
        callId: `c${step}`,
        tool: r.toolCalls[0]!.tool,
        ok: true,
        content: 'ok',
        seq: messages.length + 1,
      });
    }
    const final = simulateResponse(request(messages), options);
    expect(final.toolCalls).toEqual([]);
    expect(final.text).toMatch(/^Report on/);
  });

  it('errs now and then, with a read of a source that does not exist', () => {
    const r = simulateResponse(request([task]), { ...options, errorRate: 1 });
    expect(r.toolCalls[0]).toMatchObject({ tool: 'fs.read' });
    expect(String(r.toolCalls[0]?.args.path)).toMatch(/^sources\//);
  });

  it('counts usage and respects the output cap', () => {
    const r = simulateResponse({ ...request([task]), maxOutputTokens: 16 }, options);
    expect(r.usage.inputTokens).toBeGreaterThan(0);
    expect(r.usage.outputTokens).toBeLessThanOrEqual(16);
  });

  it('waits its latency and aborts at once when told', async () => {
    const controller = new AbortController();
    const pending = simulatedProvider.generate({
      ...request([task]),
      signal: controller.signal,
      providerOptions: { simulated: { ...options, latencyMs: 10_000 } },
    });
    const started = Date.now();
    controller.abort(new Error('killed'));
    await expect(pending).rejects.toThrow('killed');
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('a simulated runaway loop', () => {
  const loop = {
    agents: ['worker'],
    calls: [
      { tool: 'fs.write', args: { path: 'a.md', content: 'same' } },
      { tool: 'fs.read', args: { path: 'a.md' } },
    ],
    times: 2,
  };
  const withCalls = (n: number) => {
    const messages: Message[] = [{ role: 'user', content: 'do the thing', seq: 1 }];
    for (let i = 0; i < n; i++)
      messages.push({ role: 'assistant', content: '', toolCalls: [], seq: i + 2 });
    return messages;
  };

  it('makes the listed calls in order, round and round, then reports', () => {
    const looping = { ...options, agentName: 'worker', loop };
    const calls = [0, 1, 2, 3].map(
      (n) => simulateResponse(request(withCalls(n)), looping).toolCalls,
    );
    expect(calls.map((c) => c.map((x) => x.tool))).toEqual([
      ['fs.write'],
      ['fs.read'],
      ['fs.write'],
      ['fs.read'],
    ]);
    const done = simulateResponse(request(withCalls(4)), looping);
    expect(done.toolCalls).toEqual([]);
    expect(done.text).toMatch(/^Done: went round 2 times/);
  });

  it('leaves agents it does not name alone', () => {
    const other = { ...options, agentName: 'other', loop };
    const response = simulateResponse(request(withCalls(0)), other);
    expect(response.toolCalls.every((c) => c.tool !== 'fs.write' || c.args.path !== 'a.md')).toBe(
      true,
    );
  });
});
