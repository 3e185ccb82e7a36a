import type { Message } from '@flightdeck/domain';
import {
  jsonSchema,
  type JSONSchema7,
  type ModelMessage,
  type Tool,
  type ToolResultPart,
} from 'ai';
import type { ModelRequest, ModelToolSpec } from '../types';
import { createToolNameMap, type ToolNameMap } from './tool-names';

/** What the AI SDK needs from one of our requests, and the table to read its answer back. */
export interface AiSdkPrompt {
  messages: ModelMessage[];
  tools: Record<string, Tool>;
  names: ToolNameMap;
}

export function toAiSdkPrompt(request: Pick<ModelRequest, 'messages' | 'tools'>): AiSdkPrompt {
  const names = createToolNameMap([
    ...request.tools.map((t) => t.name),
    ...request.messages.flatMap((m) =>
      m.role === 'assistant' ? m.toolCalls.map((c) => c.tool) : m.role === 'tool' ? [m.tool] : [],
    ),
  ]);
  return {
    messages: toModelMessages(request.messages, names),
    tools: toToolSet(request.tools, names),
    names,
  };
}

/**
 * Our conversation in the AI SDK's form. Call ids are ours (`<agent>.t3.c1`),
 * longer than OpenAI's 40 characters and with dots Anthropic refuses, so each
 * gets a wire id `call_<n>` by first appearance: collision-free, and stable
 * turn after turn because the history only grows. The ids a model gives its
 * new calls are not needed back: the executor numbers calls itself.
 */
export function toModelMessages(messages: readonly Message[], names: ToolNameMap): ModelMessage[] {
  const callIds = new Map<string, string>();
  const wireCallId = (callId: string) => {
    let id = callIds.get(callId);
    if (!id) {
      id = `call_${callIds.size + 1}`;
      callIds.set(callId, id);
    }
    return id;
  };

  const out: ModelMessage[] = [];
  for (const message of messages) {
    switch (message.role) {
      case 'user':
        out.push({ role: 'user', content: message.content });
        break;
      case 'assistant': {
        // An assistant turn with neither text nor calls says nothing, and some APIs refuse empty content.
        if (!message.content && message.toolCalls.length === 0) break;
        out.push({
          role: 'assistant',
          content: [
            ...(message.content ? [{ type: 'text' as const, text: message.content }] : []),
            ...message.toolCalls.map((call) => ({
              type: 'tool-call' as const,
              toolCallId: wireCallId(call.callId),
              toolName: names.toWire(call.tool),
              input: call.args,
            })),
          ],
        });
        break;
      }
      case 'tool': {
        const part: ToolResultPart = {
          type: 'tool-result',
          toolCallId: wireCallId(message.callId),
          toolName: names.toWire(message.tool),
          output: message.ok
            ? { type: 'text', value: message.content }
            : { type: 'error-text', value: message.content },
        };
        // Results of one assistant turn travel together (Anthropic wants them in one message).
        const previous = out.at(-1);
        if (previous?.role === 'tool') previous.content.push(part);
        else out.push({ role: 'tool', content: [part] });
        break;
      }
    }
  }
  return out;
}

/** Tools as JSON Schema, without `execute`: the model only proposes calls; the executor runs them. */
export function toToolSet(
  tools: readonly ModelToolSpec[],
  names: ToolNameMap,
): Record<string, Tool> {
  return Object.fromEntries(
    tools.map((spec) => [
      names.toWire(spec.name),
      { description: spec.description, inputSchema: jsonSchema(objectSchema(spec.parameters)) },
    ]),
  );
}

/** Both APIs want an object schema at the root; a tool without parameters takes an empty object. */
function objectSchema(parameters: Record<string, unknown>): JSONSchema7 {
  const { $schema: _drop, ...schema } = parameters;
  return { type: 'object', properties: {}, ...schema };
}
