import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAIProvider } from './openai';
import { afterTools, request, until } from './test/fixtures';
import { chatCompletionStream, openAIError, responsesStream } from './test/openai-wire';
import { StandInServer } from './test/stand-in-server';
import { ModelCallError } from './types';

const KEY = 'sk-proj-StandInSecretKey0123456789abcdef';
const model = { provider: 'openai' as const, name: 'gpt-4.1-mini' };

let server: StandInServer;
beforeEach(async () => {
  server = await StandInServer.start();
});
afterEach(async () => {
  await server.close();
});

const provider = (maxRetries = 0) =>
  createOpenAIProvider({ apiKey: KEY, baseURL: `${server.origin}/v1`, maxRetries });

async function failure(promise: Promise<unknown>): Promise<ModelCallError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelCallError);
  return error as ModelCallError;
}

describe('OpenAI provider (Responses API, the SDK default)', () => {
  it('streams a plain answer: text as it comes, usage, stop', async () => {
    server.reply(
      '/v1/responses',
      responsesStream({
        text: ['Three startups ', 'stand out.'],
        usage: { input: 120, output: 9 },
      }),
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
    expect(sent).toMatchObject({ method: 'POST', path: '/v1/responses' });
    expect(sent?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent?.body).toMatchObject({
      model: 'gpt-4.1-mini',
      stream: true,
      store: false,
      max_output_tokens: 512,
      input: [
        { role: 'system', content: 'You research carefully.' },
        {
          role: 'user',
          content: [{ type: 'input_text', text: 'Survey battery recycling startups in Europe' }],
        },
      ],
    });
  });

  it('offers the tools as JSON Schema under wire names and maps proposed calls back, parsed', async () => {
    server.reply(
      '/v1/responses',
      responsesStream({
        text: ['Let me read that.'],
        toolCalls: [
          { id: 'call_abc', name: 'fs_read', argChunks: ['{"pa', 'th": "notes/', 'a.md"}'] },
          { id: 'call_def', name: 'delegate', argChunks: ['{"agent":"researcher","task":"dig"}'] },
        ],
        usage: { input: 200, output: 31 },
      }),
    );
    const response = await provider().generate(request(model));

    expect(response.toolCalls).toEqual([
      { tool: 'fs.read', args: { path: 'notes/a.md' } },
      { tool: 'delegate', args: { agent: 'researcher', task: 'dig' } },
    ]);
    expect(response.finishReason).toBe('tool_calls');
    expect(response.text).toBe('Let me read that.');
    // The model only proposes: nothing was executed, no second request was made.
    expect(server.requests).toHaveLength(1);
    const body = server.requests[0]?.body as { tools: unknown[] };
    expect(body.tools).toEqual([
      {
        type: 'function',
        name: 'fs_read',
        description: 'Read a file of the workspace.',
        parameters: {
          type: 'object',
          properties: { path: { type: 'string' } },
          required: ['path'],
          additionalProperties: false,
        },
        strict: false,
      },
      expect.objectContaining({ name: 'fs_write' }),
      expect.objectContaining({ name: 'delegate' }),
    ]);
  });

  it('sends a multi-turn conversation: calls and their results paired by wire call id', async () => {
    server.reply(
      '/v1/responses',
      responsesStream({ text: ['Done.'], usage: { input: 300, output: 2 } }),
    );
    await provider().generate(request(model, afterTools));

    const body = server.requests[0]?.body as { input: unknown[] };
    expect(body.input).toEqual([
      { role: 'system', content: 'You research carefully.' },
      {
        role: 'user',
        content: [{ type: 'input_text', text: 'Survey battery recycling startups in Europe' }],
      },
      { role: 'assistant', content: 'Reading the notes, then saving a summary.' },
      {
        type: 'function_call',
        call_id: 'call_1',
        name: 'fs_read',
        arguments: '{"path":"notes/a.md"}',
      },
      {
        type: 'function_call',
        call_id: 'call_2',
        name: 'fs_write',
        arguments: '{"path":"/etc/passwd","content":"x"}',
      },
      { type: 'function_call_output', call_id: 'call_1', output: 'Redwood recycles 95%.' },
      {
        type: 'function_call_output',
        call_id: 'call_2',
        output: expect.stringContaining('path outside the workspace'),
      },
    ]);
  });

  it('reports a response cut by the token cap as length', async () => {
    server.reply(
      '/v1/responses',
      responsesStream({ text: ['Once upon'], usage: { input: 10, output: 512 }, truncated: true }),
    );
    const response = await provider().generate(request(model));
    expect(response).toMatchObject({
      text: 'Once upon',
      finishReason: 'length',
      usage: { outputTokens: 512 },
    });
  });

  it('aborts a stalled stream at once and hangs up on the server', async () => {
    // created, in_progress, message item added, content part added… then the server goes quiet.
    server.reply('/v1/responses', {
      ...responsesStream({ text: ['one ', 'two'], usage: { input: 1, output: 2 } }),
      stallAfter: 4,
    });
    const controller = new AbortController();
    const pending = provider().generate({ ...request(model), signal: controller.signal });
    await until(() => server.requests.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 50));

    const abortedAt = Date.now();
    controller.abort(new Error('run killed'));
    await expect(pending).rejects.toThrow('run killed');
    expect(Date.now() - abortedAt).toBeLessThan(500);
    await server.stalledStreamClosed(0);
  });

  it('aborts from inside the stream (after the first text) and the connection closes', async () => {
    server.reply('/v1/responses', {
      ...responsesStream({ text: ['one ', 'two'], usage: { input: 1, output: 2 } }),
      stallAfter: 5,
    });
    const controller = new AbortController();
    let abortedAt = 0;
    const pending = provider().generate({
      ...request(model),
      signal: controller.signal,
      onDelta: () => {
        abortedAt = Date.now();
        controller.abort(new Error('run killed'));
      },
    });
    await expect(pending).rejects.toThrow('run killed');
    expect(abortedAt).toBeGreaterThan(0);
    expect(Date.now() - abortedAt).toBeLessThan(500);
    await server.stalledStreamClosed(0);
  });

  it('does not call at all when already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('killed before'));
    await expect(
      provider().generate({ ...request(model), signal: controller.signal }),
    ).rejects.toThrow('killed before');
    expect(server.requests).toHaveLength(0);
  });

  it('maps 401 to a non-retryable error that never repeats the key', async () => {
    // Worst case: the error body echoes the whole key (OpenAI echoes a masked one), with a URL query.
    server.reply(
      '/v1/responses',
      openAIError(
        401,
        `Incorrect API key provided: ${KEY}. See https://platform.openai.com/account/api-keys?key=${KEY}.`,
        'invalid_request_error',
        'invalid_api_key',
      ),
    );
    const error = await failure(provider().generate(request(model)));

    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/^OpenAI answered HTTP 401: Incorrect API key provided/);
    expect(error.message).not.toContain(KEY);
    expect(error.message).not.toContain('StandInSecret');
    expect(error.message).not.toContain('?');
    expect(error.message).not.toContain('\n');
    expect(JSON.stringify(error)).not.toContain(KEY);
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('maps 400 to non-retryable, 429 and 500 to retryable', async () => {
    server.reply(
      '/v1/responses',
      openAIError(
        400,
        "Invalid 'max_output_tokens': integer below minimum value.",
        'invalid_request_error',
        'integer_below_min_value',
      ),
      openAIError(
        429,
        'Rate limit reached for gpt-4.1-mini on tokens per min (TPM).',
        'tokens',
        'rate_limit_exceeded',
      ),
      openAIError(500, 'The server had an error while processing your request.', 'server_error'),
    );
    const bad = await failure(provider().generate(request(model)));
    const limited = await failure(provider().generate(request(model)));
    const broken = await failure(provider().generate(request(model)));

    expect([bad.retryable, limited.retryable, broken.retryable]).toEqual([false, true, true]);
    expect(limited.message).toBe(
      'OpenAI answered HTTP 429: Rate limit reached for gpt-4.1-mini on tokens per min (TPM).',
    );
    expect(broken.message).toContain('HTTP 500');
  });

  it('retries a rate limit inside the call when allowed to, honouring retry-after-ms', async () => {
    server.reply(
      '/v1/responses',
      openAIError(429, 'Rate limit reached.', 'tokens', 'rate_limit_exceeded', {
        'retry-after-ms': '10',
      }),
      responsesStream({ text: ['ok'], usage: { input: 1, output: 1 } }),
    );
    const response = await provider(1).generate(request(model));
    expect(response.text).toBe('ok');
    expect(server.requests).toHaveLength(2);
  });

  it('aborts at once while waiting to retry', async () => {
    server.reply(
      '/v1/responses',
      openAIError(429, 'Rate limit reached.', 'tokens', 'rate_limit_exceeded', {
        'retry-after': '30',
      }),
    );
    const controller = new AbortController();
    const pending = provider(1).generate({ ...request(model), signal: controller.signal });
    await until(() => server.requests.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 50));

    const abortedAt = Date.now();
    controller.abort(new Error('run killed'));
    await expect(pending).rejects.toThrow('run killed');
    expect(Date.now() - abortedAt).toBeLessThan(500);
    expect(server.requests).toHaveLength(1);
  });

  it('reports the last error once retries are spent', async () => {
    const overloaded = openAIError(
      503,
      'The engine is currently overloaded.',
      'server_error',
      null,
      { 'retry-after-ms': '5' },
    );
    server.reply('/v1/responses', overloaded, overloaded);
    const error = await failure(provider(1).generate(request(model)));
    expect(error.retryable).toBe(true);
    expect(error.message).toBe(
      'OpenAI answered HTTP 503: The engine is currently overloaded. (after 2 attempts)',
    );
  });

  it('maps an unreachable endpoint to a retryable error', async () => {
    const origin = server.origin;
    await server.close();
    server = await StandInServer.start(); // for afterEach
    const error = await failure(
      createOpenAIProvider({ apiKey: KEY, baseURL: `${origin}/v1`, maxRetries: 0 }).generate(
        request(model),
      ),
    );
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/^OpenAI could not be reached/);
  });
});

describe('OpenAI-compatible endpoint (Chat Completions), here as Ollama', () => {
  const ollama = () =>
    createOpenAIProvider({
      apiKey: 'ollama',
      baseURL: `${server.origin}/v1`,
      compatible: true,
      maxRetries: 0,
    });
  const local = { provider: 'openai' as const, name: 'llama3.2' };

  it('streams text and whole tool calls, with usage', async () => {
    server.reply(
      '/v1/chat/completions',
      chatCompletionStream(
        {
          text: ['Reading.'],
          toolCalls: [{ id: 'call_0x1', name: 'fs_read', argChunks: ['{"path":"notes/a.md"}'] }],
          usage: { input: 80, output: 12 },
        },
        { model: 'llama3.2', ollama: true },
      ),
    );
    const response = await ollama().generate(request(local));

    expect(response).toEqual({
      text: 'Reading.',
      toolCalls: [{ tool: 'fs.read', args: { path: 'notes/a.md' } }],
      usage: { inputTokens: 80, outputTokens: 12 },
      finishReason: 'tool_calls',
    });
    expect(server.requests.map((r) => r.path)).toEqual(['/v1/chat/completions']);
    expect(server.requests[0]?.headers.authorization).toBe('Bearer ollama');
  });

  it('streams OpenAI-style argument fragments too', async () => {
    server.reply(
      '/v1/chat/completions',
      chatCompletionStream({
        toolCalls: [
          {
            id: 'call_1',
            name: 'fs_write',
            argChunks: ['{"path":', '"out.md","content"', ':"# Hi"}'],
          },
        ],
        usage: { input: 5, output: 5 },
      }),
    );
    const response = await ollama().generate(request(local));
    expect(response.toolCalls).toEqual([
      { tool: 'fs.write', args: { path: 'out.md', content: '# Hi' } },
    ]);
    expect(response.text).toBe('');
  });

  it('sends the conversation as chat messages with tool_calls and tool results', async () => {
    server.reply(
      '/v1/chat/completions',
      chatCompletionStream({ text: ['Done.'], usage: { input: 1, output: 1 } }),
    );
    await ollama().generate(request(local, afterTools));

    expect(server.requests[0]?.body).toMatchObject({
      model: 'llama3.2',
      max_tokens: 512,
      stream: true,
      stream_options: { include_usage: true },
      tool_choice: 'auto',
      messages: [
        { role: 'system', content: 'You research carefully.' },
        { role: 'user', content: 'Survey battery recycling startups in Europe' },
        {
          role: 'assistant',
          content: 'Reading the notes, then saving a summary.',
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'fs_read', arguments: '{"path":"notes/a.md"}' },
            },
            {
              id: 'call_2',
              type: 'function',
              function: { name: 'fs_write', arguments: '{"path":"/etc/passwd","content":"x"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'Redwood recycles 95%.' },
        {
          role: 'tool',
          tool_call_id: 'call_2',
          content: expect.stringContaining('path outside the workspace'),
        },
      ],
    });
    const body = server.requests[0]?.body as { tools: Array<{ function: { name: string } }> };
    expect(body.tools.map((t) => t.function.name)).toEqual(['fs_read', 'fs_write', 'delegate']);
  });

  it('passes on a call to a tool it was not offered, or with broken JSON, for the executor to refuse', async () => {
    server.reply(
      '/v1/chat/completions',
      chatCompletionStream({
        toolCalls: [
          { id: 'call_1', name: 'rm_rf', argChunks: ['{"path":"/"}'] },
          { id: 'call_2', name: 'fs_read', argChunks: ['{"path": "a.md"'] },
        ],
        usage: { input: 5, output: 5 },
      }),
    );
    const response = await ollama().generate(request(local));
    expect(response.toolCalls).toEqual([
      { tool: 'rm_rf', args: { path: '/' } },
      { tool: 'fs.read', args: {} },
    ]);
    expect(server.requests).toHaveLength(1);
  });

  it('names the endpoint by host in its errors', async () => {
    server.reply(
      '/v1/chat/completions',
      openAIError(404, 'model "llama9" not found, try pulling it first', 'api_error'),
    );
    const error = await failure(ollama().generate(request(local)));
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      `OpenAI-compatible endpoint ${new URL(server.origin).host} answered HTTP 404: model "llama9" not found, try pulling it first`,
    );
  });
});
