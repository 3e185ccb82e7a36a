import type { Reply, SseEvent, StreamReply } from './stand-in-server';
import type { ScriptedAnswer } from './scripted-answer';

/**
 * Anthropic Messages streaming (`POST /v1/messages`, `stream: true`):
 * `message_start` (input usage), per content block `content_block_start`,
 * `content_block_delta` (`text_delta` or `input_json_delta`) and
 * `content_block_stop`, then `message_delta` (stop reason, output usage) and
 * `message_stop`, with a `ping` early on as the API sends.
 */
export function messagesStream(
  answer: ScriptedAnswer,
  options: { model?: string } = {},
): StreamReply {
  const events: SseEvent[] = [];
  const emit = (type: string, body: Record<string, unknown> = {}) =>
    events.push({ event: type, data: { type, ...body } });

  emit('message_start', {
    message: {
      id: 'msg_standin',
      type: 'message',
      role: 'assistant',
      model: options.model ?? 'claude-sonnet-4-5-20250929',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: answer.usage.input,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: 1,
        service_tier: 'standard',
      },
    },
  });
  emit('ping');
  let index = 0;
  if (answer.text?.length) {
    emit('content_block_start', { index, content_block: { type: 'text', text: '' } });
    for (const text of answer.text)
      emit('content_block_delta', { index, delta: { type: 'text_delta', text } });
    emit('content_block_stop', { index });
    index++;
  }
  for (const call of answer.toolCalls ?? []) {
    emit('content_block_start', {
      index,
      content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} },
    });
    emit('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: '' } });
    for (const partial_json of call.argChunks)
      emit('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } });
    emit('content_block_stop', { index });
    index++;
  }
  const stop_reason = answer.truncated
    ? 'max_tokens'
    : answer.toolCalls?.length
      ? 'tool_use'
      : 'end_turn';
  emit('message_delta', {
    delta: { stop_reason, stop_sequence: null },
    usage: { output_tokens: answer.usage.output },
  });
  emit('message_stop');
  return { kind: 'stream', events };
}

/** An Anthropic error body, as the API sends it. */
export function anthropicError(status: number, type: string, message: string): Reply {
  return {
    kind: 'json',
    status,
    body: { type: 'error', error: { type, message }, request_id: 'req_standin' },
  };
}

/** A stream that starts answering, then fails with an `error` event, as the API does when overloaded mid-response. */
export function messagesStreamFailing(type: string, message: string): StreamReply {
  const events = messagesStream({ text: ['Partial'], usage: { input: 1, output: 1 } }).events.slice(
    0,
    4,
  );
  return {
    kind: 'stream',
    events: [...events, { event: 'error', data: { type: 'error', error: { type, message } } }],
  };
}
