import { describe, expect, it } from 'vitest';
import { scriptedProvider } from '../test-support/llm-test-provider.js';
import { redactCredential } from './redacting-provider.js';
import { ProviderError } from './spec.js';

const SECRET = 'sk-quoted-by-the-upstream-123';

describe('redactCredential', () => {
  const failing = () =>
    new ProviderError('auth', `openai: Incorrect API key provided: ${SECRET}`, {
      provider: 'p',
      status: 401,
      cause: new Error(`body: ${SECRET}`),
    });

  it('takes the credential out of what chat, streams and listings throw, keeping kind and status', async () => {
    const inner = scriptedProvider('p', {
      models: async () => {
        throw failing();
      },
      chat: async () => {
        throw failing();
      },
      async *stream() {
        yield { type: 'text-delta' as const, text: 'a' };
        throw failing();
      },
    });
    const p = redactCredential(inner, SECRET);
    for (const run of [() => p.chat({ model: 'm', messages: [] }), () => p.listModels()]) {
      const err = (await run().catch((e: unknown) => e)) as ProviderError;
      expect(err).toBeInstanceOf(ProviderError);
      expect(err.message).toBe('openai: Incorrect API key provided: [credential]');
      expect([err.kind, err.details.status, err.cause]).toEqual(['auth', 401, undefined]);
    }
    const parts: unknown[] = [];
    const streamed = await (async () => {
      for await (const part of p.streamChat({ model: 'm', messages: [] })) parts.push(part);
    })().catch((e: unknown) => e as Error);
    expect(parts).toEqual([{ type: 'text-delta', text: 'a' }]);
    expect(streamed).toBeInstanceOf(ProviderError);
    expect((streamed as Error).message).not.toContain(SECRET);
  });

  it('leaves other errors as they are, and a provider without a secret unwrapped', async () => {
    const inner = scriptedProvider('p', {
      models: async () => {
        throw new ProviderError('server', 'upstream down', { provider: 'p', status: 503 });
      },
    });
    expect(redactCredential(inner, undefined)).toBe(inner);
    const err = await redactCredential(inner, SECRET)
      .listModels()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'server', message: 'upstream down' });
  });
});
