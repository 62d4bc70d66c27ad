/**
 * What provider tests share: a fake upstream and the provider pointed at it, both closed after each
 * test, and the ProviderError a call failed with.
 */
import { afterEach, expect } from 'vitest';
import type { ProviderConfig } from '../../llm/providers/index.js';
import { createProvider } from '../../llm/providers/index.js';
import type { LlmProvider } from '../../llm/spec.js';
import { ProviderError } from '../../llm/spec.js';
import type { FakeLlm } from './fake-llm.js';

/**
 * @example
 * const harness = providerHarness();
 * const { fake, provider } = await harness.connect(startFakeOpenAI(), (url) => ({ kind: 'openai-compatible', name: 'o', baseURL: url }));
 */
export function providerHarness() {
  const open: Array<() => Promise<void>> = [];
  afterEach(async () => {
    // Providers first (they were opened after their fakes).
    for (const close of open.splice(0).reverse()) await close();
  });
  return {
    async connect(
      start: Promise<FakeLlm>,
      config: (url: string) => ProviderConfig,
    ): Promise<{ fake: FakeLlm; provider: LlmProvider }> {
      const fake = await start;
      open.push(() => fake.close());
      const provider = createProvider(config(fake.url));
      open.push(async () => provider.close?.());
      return { fake, provider };
    },
    /** A further provider made by the test, closed with the rest. */
    adopt(provider: LlmProvider): LlmProvider {
      open.push(async () => provider.close?.());
      return provider;
    },
  };
}

/** The ProviderError a promise rejects with (and a failed expectation if it resolves or rejects with anything else). */
export async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}
