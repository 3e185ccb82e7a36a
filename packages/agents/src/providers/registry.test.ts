import { describe, expect, it } from 'vitest';
import { createProviderRegistry } from './registry';

describe('provider registry', () => {
  it('registers a real provider only when its key is configured', () => {
    expect(Object.keys(createProviderRegistry({}))).toEqual(['simulated']);
    expect(
      Object.keys(createProviderRegistry({ openai: { apiKey: '' }, anthropic: { apiKey: '' } })),
    ).toEqual(['simulated']);
    const all = createProviderRegistry({
      openai: { apiKey: 'sk-a' },
      anthropic: { apiKey: 'sk-ant-b' },
      simulated: false,
    });
    expect(Object.keys(all).sort()).toEqual(['anthropic', 'openai']);
    expect(all.openai?.id).toBe('openai');
    expect(all.anthropic?.id).toBe('anthropic');
  });

  it('keeps keys out of what a provider shows', () => {
    const registry = createProviderRegistry({
      openai: { apiKey: 'sk-secret-openai' },
      anthropic: { apiKey: 'sk-ant-secret' },
    });
    const shown =
      JSON.stringify(registry) +
      Object.values(registry)
        .map((p) => JSON.stringify(Object.entries(p ?? {})))
        .join('');
    expect(shown).not.toContain('secret');
  });
});
