import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAnthropicProvider } from './anthropic';
import { anthropicError, messagesStream, messagesStreamFailing } from './test/anthropic-wire';
import { afterTools, request, until } from './test/fixtures';
import { StandInServer } from './test/stand-in-server';
import { ModelCallError } from './types';

const KEY = 'sk-ant-api03-StandInSecretKey0123456789abcdef';
const model = { provider: 'anthropic' as const, name: 'claude-sonnet-4-5' };

let server: StandInServer;
beforeEach(async () => {
  server = await StandInServer.start();
});
afterEach(async () => {
  await server.close();
});

const provider = (maxRetries = 0) =>
  createAnthropicProvider({ apiKey: KEY, baseURL: `${server.origin}/v1`, maxRetries });

async function failure(promise: Promise<unknown>): Promise<ModelCallError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelCallError);
  return error as ModelCallError;
}

describe('Anthropic provider (Messages API)', () => {
  it('streams a plain answer: text as it comes, usage, stop', async () => {
    server.reply(
      '/v1/messages',
      messagesStream({ text: ['Three startups ', 'stand out.'], usage: { input: 120, output: 9 } }),
    );
    const deltas: string[] = [];
    const response = await provider().generate({
      ...request(model),
      onDelta: (d) => deltas.push(d),
    });

    expect(response).toEqual({
      text: 'Three startups stand out.',
      toolCalls: [],
      usage: { inputTokens: 120, outputTokens: 9 },
      finishReason: 'stop',
    });
    expect(deltas).toEqual(['Three startups ', 'stand out.']);
    const [sent] = server.requests;
    expect(sent).toMatchObject({ method: 'POST', path: '/v1/messages' });
    expect(sent?.headers['x-api-key']).toBe(KEY);
    expect(sent?.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent?.body).toMatchObject({
      model: 'claude-sonnet-4-5',
      stream: true,
      max_tokens: 512,
      system: [{ type: 'text', text: 'You research carefully.' }],
      messages: [
        {
          role: 'user',
          content: [{ type: 'text', text: 'Survey battery recycling startups in Europe' }],
        },
      ],
    });
  });

  it('offers the tools as JSON Schema under wire names and maps tool_use blocks back, parsed', async () => {
    server.reply(
      '/v1/messages',
      messagesStream({
        text: ['Let me read that.'],
        toolCalls: [
          { id: 'toolu_01A', name: 'fs_read', argChunks: ['{"pa', 'th": "notes/', 'a.md"}'] },
          {
            id: 'toolu_01B',
            name: 'fs_write',
            argChunks: ['{"path": "out.md", ', '"content": "# Summary\\n"}'],
          },
        ],
        usage: { input: 200, output: 31 },
      }),
    );
    const response = await provider().generate(request(model));

    expect(response.toolCalls).toEqual([
      { tool: 'fs.read', args: { path: 'notes/a.md' } },
      { tool: 'fs.write', args: { path: 'out.md', content: '# Summary\n' } },
    ]);
    expect(response.finishReason).toBe('tool_calls');
    expect(response.usage).toEqual({ inputTokens: 200, outputTokens: 31 });
    expect(server.requests).toHaveLength(1);
    const body = server.requests[0]?.body as { tools: unknown[] };
    expect(body.tools).toEqual([
      expect.objectContaining({
        name: 'fs_read',
        description: 'Read a file of the workspace.',
        input_schema: {
          type: 'object',
          properties: { path: { type: 'string' } },
          required: ['path'],
          additionalProperties: false,
        },
      }),
      expect.objectContaining({ name: 'fs_write' }),
      expect.objectContaining({ name: 'delegate' }),
    ]);
  });

  it('sends a multi-turn conversation: tool_use and tool_result paired by wire id, failures flagged', async () => {
    server.reply(
      '/v1/messages',
      messagesStream({ text: ['Done.'], usage: { input: 300, output: 2 } }),
    );
    await provider().generate(request(model, afterTools));

    const body = server.requests[0]?.body as { messages: unknown[] };
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [{ type: 'text', text: 'Survey battery recycling startups in Europe' }],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Reading the notes, then saving a summary.' },
          { type: 'tool_use', id: 'call_1', name: 'fs_read', input: { path: 'notes/a.md' } },
          {
            type: 'tool_use',
            id: 'call_2',
            name: 'fs_write',
            input: { path: '/etc/passwd', content: 'x' },
          },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: 'Redwood recycles 95%.' },
          {
            type: 'tool_result',
            tool_use_id: 'call_2',
            content: 'path outside the workspace',
            is_error: true,
          },
        ],
      },
    ]);
  });

  it('reports max_tokens as length', async () => {
    server.reply(
      '/v1/messages',
      messagesStream({ text: ['Once upon'], usage: { input: 10, output: 512 }, truncated: true }),
    );
    expect(await provider().generate(request(model))).toMatchObject({
      text: 'Once upon',
      finishReason: 'length',
    });
  });

  it('aborts a stalled stream at once and hangs up on the server', async () => {
    // message_start, ping, content_block_start, one text_delta… then the server goes quiet.
    server.reply('/v1/messages', {
      ...messagesStream({ text: ['one ', 'two'], usage: { input: 1, output: 2 } }),
      stallAfter: 4,
    });
    const controller = new AbortController();
    const deltas: string[] = [];
    const pending = provider().generate({
      ...request(model),
      signal: controller.signal,
      onDelta: (d) => deltas.push(d),
    });
    await until(() => deltas.length === 1);

    const abortedAt = Date.now();
    controller.abort(new Error('run killed'));
    await expect(pending).rejects.toThrow('run killed');
    expect(Date.now() - abortedAt).toBeLessThan(500);
    expect(deltas).toEqual(['one ']);
    await server.stalledStreamClosed(0);
  });

  it('maps 401 to a non-retryable error that never repeats the key', async () => {
    server.reply(
      '/v1/messages',
      anthropicError(401, 'authentication_error', `invalid x-api-key: ${KEY}`),
    );
    const error = await failure(provider().generate(request(model)));

    expect(error.retryable).toBe(false);
    expect(error.message).toBe('Anthropic answered HTTP 401: invalid x-api-key: [redacted]');
    expect(JSON.stringify(error)).not.toContain(KEY);
    expect(server.requests[0]?.headers['x-api-key']).toBe(KEY);
  });

  it('maps 400 to non-retryable; 429, 500 and 529 (overloaded) to retryable', async () => {
    server.reply(
      '/v1/messages',
      anthropicError(400, 'invalid_request_error', 'max_tokens: Field required'),
      anthropicError(
        429,
        'rate_limit_error',
        'Number of request tokens has exceeded your per-minute rate limit',
      ),
      anthropicError(500, 'api_error', 'Internal server error'),
      anthropicError(529, 'overloaded_error', 'Overloaded'),
    );
    const errors: ModelCallError[] = [];
    for (let i = 0; i < 4; i++) errors.push(await failure(provider().generate(request(model))));

    expect(errors.map((e) => e.retryable)).toEqual([false, true, true, true]);
    expect(errors[3]?.message).toBe('Anthropic answered HTTP 529: Overloaded');
  });

  it('maps an error event in mid-stream by its type', async () => {
    server.reply(
      '/v1/messages',
      messagesStreamFailing('overloaded_error', 'Overloaded'),
      messagesStreamFailing('invalid_request_error', 'prompt is too long'),
    );

    const first = await failure(provider().generate(request(model)));
    const second = await failure(provider().generate(request(model)));
    expect(first).toMatchObject({
      retryable: true,
      message: 'Anthropic failed mid-stream (overloaded_error): Overloaded',
    });
    expect(second).toMatchObject({
      retryable: false,
      message: 'Anthropic failed mid-stream (invalid_request_error): prompt is too long',
    });
  });
});
