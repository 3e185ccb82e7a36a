import type { Reply, SseEvent, StreamReply } from './stand-in-server';
import type { ScriptedAnswer } from './scripted-answer';

const CREATED = 1_760_000_000;

/**
 * OpenAI Chat Completions streaming (`POST /v1/chat/completions`, `stream: true`,
 * `stream_options.include_usage`): `data: {chunk}` lines, the usage in a last
 * chunk with no choices, then `data: [DONE]`. `ollama` sends each tool call
 * whole in one chunk, as Ollama's compatible endpoint does.
 */
export function chatCompletionStream(
  answer: ScriptedAnswer,
  options: { model?: string; ollama?: boolean } = {},
): StreamReply {
  const base = {
    id: 'chatcmpl-standin',
    object: 'chat.completion.chunk',
    created: CREATED,
    model: options.model ?? 'gpt-4o-mini-2024-07-18',
    system_fingerprint: options.ollama ? 'fp_ollama' : 'fp_standin',
  };
  const chunk = (delta: Record<string, unknown>, finish: string | null = null): SseEvent => ({
    data: { ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] },
  });
  const events: SseEvent[] = [chunk({ role: 'assistant', content: '', refusal: null })];
  for (const piece of answer.text ?? []) events.push(chunk({ content: piece }));
  (answer.toolCalls ?? []).forEach((call, index) => {
    if (options.ollama) {
      events.push(
        chunk({
          tool_calls: [
            {
              id: call.id,
              index,
              type: 'function',
              function: { name: call.name, arguments: call.argChunks.join('') },
            },
          ],
        }),
      );
      return;
    }
    events.push(
      chunk({
        tool_calls: [
          { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } },
        ],
      }),
    );
    for (const piece of call.argChunks)
      events.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
  });
  const finish = answer.truncated ? 'length' : answer.toolCalls?.length ? 'tool_calls' : 'stop';
  events.push(chunk({}, finish));
  events.push({
    data: {
      ...base,
      choices: [],
      usage: {
        prompt_tokens: answer.usage.input,
        completion_tokens: answer.usage.output,
        total_tokens: answer.usage.input + answer.usage.output,
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
        completion_tokens_details: {
          reasoning_tokens: 0,
          audio_tokens: 0,
          accepted_prediction_tokens: 0,
          rejected_prediction_tokens: 0,
        },
      },
    },
  });
  events.push({ data: '[DONE]' });
  return { kind: 'stream', events };
}

/**
 * OpenAI Responses API streaming (`POST /v1/responses`, `stream: true`):
 * `event: <type>` + `data: {…, sequence_number}` for the response's life —
 * created, in progress, each output item added / its deltas / done, and
 * `response.completed` (or `response.incomplete`) carrying the usage.
 */
export function responsesStream(
  answer: ScriptedAnswer,
  options: { model?: string } = {},
): StreamReply {
  const model = options.model ?? 'gpt-4.1-mini-2025-04-14';
  const events: SseEvent[] = [];
  const emit = (type: string, body: Record<string, unknown>) =>
    events.push({ event: type, data: { type, sequence_number: events.length, ...body } });
  const response = (status: string, output: unknown[], usage: unknown = null) => ({
    id: 'resp_standin',
    object: 'response',
    created_at: CREATED,
    status,
    error: null,
    incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    model,
    output,
    parallel_tool_calls: true,
    store: false,
    usage,
  });

  emit('response.created', { response: response('in_progress', []) });
  emit('response.in_progress', { response: response('in_progress', []) });
  const output: unknown[] = [];
  if (answer.text?.length) {
    const id = 'msg_standin';
    const output_index = output.length;
    const text = answer.text.join('');
    emit('response.output_item.added', {
      output_index,
      item: { id, type: 'message', status: 'in_progress', content: [], role: 'assistant' },
    });
    emit('response.content_part.added', {
      item_id: id,
      output_index,
      content_index: 0,
      part: { type: 'output_text', annotations: [], logprobs: [], text: '' },
    });
    for (const delta of answer.text)
      emit('response.output_text.delta', {
        item_id: id,
        output_index,
        content_index: 0,
        delta,
        logprobs: [],
      });
    emit('response.output_text.done', {
      item_id: id,
      output_index,
      content_index: 0,
      text,
      logprobs: [],
    });
    const part = { type: 'output_text', annotations: [], logprobs: [], text };
    emit('response.content_part.done', { item_id: id, output_index, content_index: 0, part });
    const item = { id, type: 'message', status: 'completed', content: [part], role: 'assistant' };
    emit('response.output_item.done', { output_index, item });
    output.push(item);
  }
  for (const call of answer.toolCalls ?? []) {
    const id = `fc_${call.id}`;
    const output_index = output.length;
    const args = call.argChunks.join('');
    emit('response.output_item.added', {
      output_index,
      item: {
        id,
        type: 'function_call',
        status: 'in_progress',
        arguments: '',
        call_id: call.id,
        name: call.name,
      },
    });
    for (const delta of call.argChunks)
      emit('response.function_call_arguments.delta', { item_id: id, output_index, delta });
    emit('response.function_call_arguments.done', { item_id: id, output_index, arguments: args });
    const item = {
      id,
      type: 'function_call',
      status: 'completed',
      arguments: args,
      call_id: call.id,
      name: call.name,
    };
    emit('response.output_item.done', { output_index, item });
    output.push(item);
  }
  const usage = {
    input_tokens: answer.usage.input,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: answer.usage.output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: answer.usage.input + answer.usage.output,
  };
  if (answer.truncated)
    emit('response.incomplete', { response: response('incomplete', output, usage) });
  else emit('response.completed', { response: response('completed', output, usage) });
  return { kind: 'stream', events };
}

/** An OpenAI error body, as the API sends it. */
export function openAIError(
  status: number,
  message: string,
  type: string,
  code: string | null = null,
  headers?: Record<string, string>,
): Reply {
  return { kind: 'json', status, headers, body: { error: { message, type, param: null, code } } };
}
