import type { Message, ModelRef } from '@flightdeck/domain';
import { z } from 'zod';
import type { ModelRequest, ModelToolSpec } from '../types';

/** Tools as the executor offers them: dotted names, JSON Schema from zod (with its `$schema`). */
export const tools: ModelToolSpec[] = [
  {
    name: 'fs.read',
    description: 'Read a file of the workspace.',
    parameters: z.object({ path: z.string() }).toJSONSchema(),
  },
  {
    name: 'fs.write',
    description: 'Write a file of the workspace.',
    parameters: z.object({ path: z.string(), content: z.string() }).toJSONSchema(),
  },
  {
    name: 'delegate',
    description: 'Spawn a subagent.',
    parameters: z.object({ agent: z.enum(['researcher']), task: z.string() }).toJSONSchema(),
  },
];

const agent = '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f';

export const task: Message = {
  role: 'user',
  content: 'Survey battery recycling startups in Europe',
  seq: 1,
};

/** A turn that called two tools (one failed) and got both results back. */
export const afterTools: Message[] = [
  task,
  {
    role: 'assistant',
    content: 'Reading the notes, then saving a summary.',
    toolCalls: [
      { callId: `${agent}.t1.c1`, tool: 'fs.read', args: { path: 'notes/a.md' } },
      { callId: `${agent}.t1.c2`, tool: 'fs.write', args: { path: '/etc/passwd', content: 'x' } },
    ],
    seq: 2,
  },
  {
    role: 'tool',
    callId: `${agent}.t1.c1`,
    tool: 'fs.read',
    ok: true,
    content: 'Redwood recycles 95%.',
    seq: 3,
  },
  {
    role: 'tool',
    callId: `${agent}.t1.c2`,
    tool: 'fs.write',
    ok: false,
    content: 'path outside the workspace',
    seq: 4,
  },
];

export function request(
  model: ModelRef,
  messages: readonly Message[] = [task],
  overrides: Partial<ModelRequest> = {},
): ModelRequest {
  return {
    model,
    system: 'You research carefully.',
    messages,
    tools,
    maxOutputTokens: 512,
    signal: new AbortController().signal,
    ...overrides,
  };
}

/** Wait until `check` holds (the stand-in records a request just after the client sent it). */
export async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
