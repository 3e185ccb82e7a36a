import type { Message } from '@flightdeck/domain';
import { describe, expect, it } from 'vitest';
import { toAiSdkPrompt } from './messages';

describe('our conversation in the AI SDK form', () => {
  it('pairs calls and results by short wire ids, stable as the history grows', () => {
    const first: Message[] = [
      { role: 'user', content: 'go', seq: 1 },
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ callId: 'agent-uuid.t1.c1', tool: 'fs.list', args: { path: '.' } }],
        seq: 2,
      },
      {
        role: 'tool',
        callId: 'agent-uuid.t1.c1',
        tool: 'fs.list',
        ok: true,
        content: 'a.md',
        seq: 3,
      },
    ];
    const later: Message[] = [
      ...first,
      {
        role: 'assistant',
        content: 'next',
        toolCalls: [{ callId: 'agent-uuid.t2.c1', tool: 'fs.read', args: { path: 'a.md' } }],
        seq: 4,
      },
      {
        role: 'tool',
        callId: 'agent-uuid.t2.c1',
        tool: 'fs.read',
        ok: true,
        content: 'text',
        seq: 5,
      },
    ];
    const a = toAiSdkPrompt({ messages: first, tools: [] }).messages;
    const b = toAiSdkPrompt({ messages: later, tools: [] }).messages;
    expect(b.slice(0, a.length)).toEqual(a);
    expect(b[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'tool-call', toolCallId: 'call_1', toolName: 'fs_list', input: { path: '.' } },
      ],
    });
    expect(b[4]).toEqual({
      role: 'tool',
      content: [
        {
          type: 'tool-result',
          toolCallId: 'call_2',
          toolName: 'fs_read',
          output: { type: 'text', value: 'text' },
        },
      ],
    });
  });

  it('sends failed results as errors, one tool message per turn, and skips empty assistant turns', () => {
    const messages: Message[] = [
      { role: 'user', content: 'go', seq: 1 },
      { role: 'assistant', content: '', toolCalls: [], seq: 2 },
      { role: 'user', content: 'really, go', seq: 3 },
      {
        role: 'assistant',
        content: '',
        toolCalls: [
          { callId: 'x.c1', tool: 'fs.read', args: {} },
          { callId: 'x.c2', tool: 'fs.read', args: {} },
        ],
        seq: 4,
      },
      { role: 'tool', callId: 'x.c1', tool: 'fs.read', ok: false, content: 'no such file', seq: 5 },
      { role: 'tool', callId: 'x.c2', tool: 'fs.read', ok: true, content: 'ok', seq: 6 },
    ];
    const out = toAiSdkPrompt({ messages, tools: [] }).messages;
    expect(out.map((m) => m.role)).toEqual(['user', 'user', 'assistant', 'tool']);
    expect(out[3]?.content).toEqual([
      {
        type: 'tool-result',
        toolCallId: 'call_1',
        toolName: 'fs_read',
        output: { type: 'error-text', value: 'no such file' },
      },
      {
        type: 'tool-result',
        toolCallId: 'call_2',
        toolName: 'fs_read',
        output: { type: 'text', value: 'ok' },
      },
    ]);
  });

  it('offers tools without execute, with an object schema at the root', async () => {
    const { tools, names } = toAiSdkPrompt({
      messages: [],
      tools: [
        { name: 'fs.list', description: 'List', parameters: {} },
        {
          name: 'fs.read',
          description: 'Read',
          parameters: {
            $schema: 'https://json-schema.org/draft/2020-12/schema',
            type: 'object',
            properties: { path: { type: 'string' } },
          },
        },
      ],
    });
    expect(Object.keys(tools)).toEqual(['fs_list', 'fs_read']);
    expect(names.fromWire('fs_list')).toBe('fs.list');
    expect(tools.fs_read).not.toHaveProperty('execute');
    const schema = tools.fs_list?.inputSchema as { jsonSchema: unknown } | undefined;
    expect(await schema?.jsonSchema).toEqual({ type: 'object', properties: {} });
    const read = tools.fs_read?.inputSchema as { jsonSchema: unknown } | undefined;
    expect(await read?.jsonSchema).toEqual({
      type: 'object',
      properties: { path: { type: 'string' } },
    });
  });
});
