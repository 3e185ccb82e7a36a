import { createAnthropic } from '@ai-sdk/anthropic';
import { generateWithAiSdk } from './ai-sdk/generate';
import type { ModelProvider } from './types';

export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com/v1';

export interface AnthropicProviderOptions {
  apiKey: string;
  /**
   * Defaults to Anthropic's API. Include the `/v1` (as the AI SDK does). Pass
   * it always: the SDK would otherwise read `ANTHROPIC_BASE_URL` itself.
   */
  baseURL?: string;
  /** Retries of a failed request inside one call (429, 529, 5xx, network). Default 2. */
  maxRetries?: number;
}

/**
 * Anthropic's Messages API (`POST /messages`, streamed) through the AI SDK.
 * The key stays in this closure; it is sent as `x-api-key` and nowhere else.
 */
export function createAnthropicProvider(options: AnthropicProviderOptions): ModelProvider {
  const { apiKey, maxRetries = 2 } = options;
  const anthropic = createAnthropic({
    apiKey,
    baseURL: options.baseURL ?? ANTHROPIC_DEFAULT_BASE_URL,
  });
  return {
    id: 'anthropic',
    generate: (request) =>
      generateWithAiSdk(anthropic(request.model.name), request, {
        label: 'Anthropic',
        secrets: [apiKey],
        maxRetries,
      }),
  };
}
