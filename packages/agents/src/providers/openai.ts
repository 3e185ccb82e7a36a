import { createOpenAI } from '@ai-sdk/openai';
import { generateWithAiSdk } from './ai-sdk/generate';
import type { ModelProvider } from './types';

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export interface OpenAIProviderOptions {
  apiKey: string;
  /** Defaults to OpenAI's own API. Pass it always: the SDK would otherwise read `OPENAI_BASE_URL` itself. */
  baseURL?: string;
  /**
   * An OpenAI-compatible endpoint (Ollama, vLLM, LM Studio, OpenRouter …):
   * speak Chat Completions, which they all serve, instead of OpenAI's
   * Responses API.
   */
  compatible?: boolean;
  /** Retries of a failed request inside one call (429, 5xx, network). Default 2. */
  maxRetries?: number;
}

/**
 * OpenAI through the AI SDK: the Responses API (`POST /responses`) for OpenAI
 * itself, Chat Completions (`POST /chat/completions`) in compatible mode.
 * The key stays in this closure; it is sent as a bearer token and nowhere else.
 */
export function createOpenAIProvider(options: OpenAIProviderOptions): ModelProvider {
  const { apiKey, compatible = false, maxRetries = 2 } = options;
  const baseURL = options.baseURL ?? OPENAI_DEFAULT_BASE_URL;
  const openai = createOpenAI({
    apiKey,
    baseURL,
    name: compatible ? 'openai-compatible' : 'openai',
  });
  const label = compatible ? `OpenAI-compatible endpoint ${new URL(baseURL).host}` : 'OpenAI';
  return {
    id: 'openai',
    generate: (request) =>
      generateWithAiSdk(
        compatible ? openai.chat(request.model.name) : openai.responses(request.model.name),
        request,
        {
          label,
          secrets: [apiKey],
          maxRetries,
          // The run's event log is the record; OpenAI need not keep another copy.
          providerOptions: compatible ? undefined : { openai: { store: false } },
        },
      ),
  };
}
