import { createAnthropicProvider } from './anthropic';
import { createOpenAIProvider } from './openai';
import { simulatedProvider } from './simulated';
import type { ProviderRegistry } from './types';

/** Server configuration of the model providers. A provider without a key is not registered. */
export interface ProviderConfig {
  openai?: { apiKey: string; baseURL?: string; compatible?: boolean };
  anthropic?: { apiKey: string; baseURL?: string };
  /** The seeded simulated model, for demos and tests without keys. Default true. */
  simulated?: boolean;
}

/**
 * The providers this server offers. A manifest that names one that is not
 * here gets the executor's "model provider … is not configured" failure.
 */
export function createProviderRegistry(config: ProviderConfig): ProviderRegistry {
  const registry: ProviderRegistry = {};
  if (config.simulated ?? true) registry.simulated = simulatedProvider;
  if (config.openai?.apiKey) registry.openai = createOpenAIProvider(config.openai);
  if (config.anthropic?.apiKey) registry.anthropic = createAnthropicProvider(config.anthropic);
  return registry;
}
