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

  it("takes it out of the upstream's param and code and from deep in the cause chain too", async () => {
    const errors = [
      new ProviderError('invalid-request', 'openai: bad request', {
        provider: 'p',
        status: 400,
        param: `key=${SECRET}`,
        upstreamCode: `invalid ${SECRET}`,
      }),
      new ProviderError('connection', 'openai: fetch failed', {
        provider: 'p',
        cause: new Error('request failed', { cause: new Error(`headers: Bearer ${SECRET}`) }),
      }),
    ];
    for (const thrown of errors) {
      const p = redactCredential(
        scriptedProvider('p', {
          models: async () => {
            throw thrown;
          },
        }),
        SECRET,
      );
      const err = (await p.listModels().catch((e: unknown) => e)) as ProviderError;
      expect(err).toBeInstanceOf(ProviderError);
      expect(err.kind).toBe(thrown.kind);
      const chain: string[] = [];
      for (let e: unknown = err; e instanceof Error; e = e.cause) chain.push(e.message);
      const seen = JSON.stringify({ chain, details: err.details });
      expect(seen).not.toContain(SECRET);
    }
    const first = (await redactCredential(
      scriptedProvider('p', {
        models: async () => {
          throw errors[0];
        },
      }),
      SECRET,
    )
      .listModels()
      .catch((e: unknown) => e)) as ProviderError;
    expect([first.details.param, first.details.upstreamCode]).toEqual([
      'key=[credential]',
      'invalid [credential]',
    ]);
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
