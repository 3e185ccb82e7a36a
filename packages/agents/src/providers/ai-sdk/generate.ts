import { type FinishReason, type LanguageModel, type LanguageModelUsage, streamText } from 'ai';
import {
  ModelCallError,
  type ModelRequest,
  type ModelResponse,
  type ModelToolCall,
} from '../types';
import { type ErrorContext, toModelCallError } from './errors';
import { toAiSdkPrompt } from './messages';

type ProviderOptions = NonNullable<Parameters<typeof streamText>[0]['providerOptions']>;

export interface AiSdkCallOptions extends ErrorContext {
  /** Retries of a failed request (429, 5xx, network) inside one call, with the SDK's backoff. */
  maxRetries: number;
  providerOptions?: ProviderOptions;
}

/**
 * One model call through the AI SDK: our conversation in, one streamed step
 * out (text, proposed tool calls, usage, finish reason). Tools have no
 * `execute`, so the SDK never runs anything and never takes a second step.
 * The request's signal aborts the HTTP request, mid-stream included.
 */
export async function generateWithAiSdk(
  model: LanguageModel,
  request: ModelRequest,
  options: AiSdkCallOptions,
): Promise<ModelResponse> {
  const { signal } = request;
  if (signal.aborted) throw abortReason(signal);
  const prompt = toAiSdkPrompt(request);

  let text = '';
  const toolCalls: ModelToolCall[] = [];
  let finish: { reason: FinishReason; usage: LanguageModelUsage } | null = null;
  try {
    const result = streamText({
      model,
      instructions: request.system || undefined,
      messages: prompt.messages,
      tools: prompt.tools,
      maxOutputTokens: request.maxOutputTokens,
      abortSignal: signal,
      maxRetries: options.maxRetries,
      providerOptions: options.providerOptions,
      // Errors arrive as `error` parts below and are thrown from there; without
      // this the SDK would also print them (request body included) to stderr.
      onError: () => undefined,
    });
    for await (const part of result.stream) {
      switch (part.type) {
        case 'text-delta':
          text += part.text;
          request.onDelta?.(part.text);
          break;
        case 'tool-call':
          toolCalls.push({ tool: prompt.names.fromWire(part.toolName), args: asArgs(part.input) });
          break;
        case 'finish':
          finish = { reason: part.finishReason, usage: part.totalUsage };
          break;
        case 'error':
          throw part.error;
        case 'abort':
          throw abortReason(signal);
      }
    }
  } catch (error) {
    if (signal.aborted) throw abortReason(signal);
    throw toModelCallError(error, options);
  }
  if (signal.aborted) throw abortReason(signal);
  if (!finish) throw new ModelCallError(`${options.label} stream ended without finishing`, true);

  return {
    text,
    toolCalls,
    usage: {
      inputTokens: finish.usage.inputTokens ?? 0,
      outputTokens: finish.usage.outputTokens ?? 0,
    },
    finishReason: mapFinishReason(finish.reason, toolCalls.length > 0, options.label),
  };
}

function mapFinishReason(
  reason: FinishReason,
  hasToolCalls: boolean,
  label: string,
): ModelResponse['finishReason'] {
  switch (reason) {
    case 'length':
      return 'length';
    case 'stop':
    case 'tool-calls':
    case 'other':
      return hasToolCalls ? 'tool_calls' : 'stop';
    case 'content-filter':
      throw new ModelCallError(`${label} stopped the response with its content filter`, false);
    case 'interrupted':
      throw new ModelCallError(`${label} stream ended before the response was complete`, true);
    case 'error':
      throw new ModelCallError(`${label} ended the response with an error`, true);
  }
}

/** Arguments are an object; anything else (unparseable JSON from the model) becomes `{}` for the executor to refuse. */
function asArgs(input: unknown): Record<string, unknown> {
  return typeof input === 'object' && input !== null && !Array.isArray(input)
    ? (input as Record<string, unknown>)
    : {};
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}
