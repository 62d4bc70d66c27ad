import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { never, partsOf, scriptedProvider, textResult } from '../test-support/llm-test-provider.js';
import type { Clock } from './clock.js';
import { type Deployment, LlmRouter, newState, type Route, type RouterSettings } from './router.js';
import { type ChatStreamPart, type LlmProvider, ProviderError } from './spec.js';

const SETTINGS: RouterSettings = {
  timeouts: { connectMs: 1000, firstTokenMs: 5000, totalMs: 60_000 },
  retries: { maxRetries: 2, baseDelayMs: 100, maxDelayMs: 8000 },
  cooldown: { failures: 3, cooldownMs: 30_000 },
};

/** Vitest's fake timers drive setTimeout and Date.now; `random` is fixed so weighted picks are known. */
function clock(random = () => 0): Clock {
  return {
    now: () => Date.now(),
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    random,
  };
}

const dep = (provider: LlmProvider, weight = 1): Deployment => ({
  ref: `${provider.name}/m`,
  provider,
  model: 'm',
  weight,
});
const route = (deployments: Deployment[], fallbacks: Deployment[] = []): Route => ({
  model: 'alias',
  deployments,
  fallbacks,
});
const fail = (
  kind: ProviderError['kind'],
  provider = 'p',
  extra: { retryAfterMs?: number; status?: number } = {},
) => new ProviderError(kind, `${kind}!`, { provider, ...extra });
const ask = { messages: [{ role: 'user' as const, content: 'hi' }] };

/** Settles a promise for inspection without awaiting it (fake time decides when). */
function track<T>(p: Promise<T>) {
  const t: { done: boolean; value?: T; error?: unknown } = { done: false };
  p.then(
    (value) => Object.assign(t, { done: true, value }),
    (error) => Object.assign(t, { done: true, error }),
  );
  return t;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('LlmRouter order', () => {
  it('picks deployments by weight', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const a = scriptedProvider('a', {});
    const b = scriptedProvider('b', {});
    const router = new LlmRouter(SETTINGS, clock(random));
    const r = route([dep(a, 3), dep(b, 1)]);
    let firstIsA = 0;
    for (let i = 0; i < 2000; i++) if (router.order(r)[0]!.provider === a) firstIsA++;
    expect(firstIsA / 2000).toBeGreaterThan(0.7);
    expect(firstIsA / 2000).toBeLessThan(0.8);
    expect(router.order(r)).toHaveLength(2);
  });

  it('puts fallbacks after the deployments, without repeating one', () => {
    const a = scriptedProvider('a', {});
    const b = scriptedProvider('b', {});
    const router = new LlmRouter(SETTINGS, clock());
    expect(router.order(route([dep(a)], [dep(a), dep(b)])).map((d) => d.ref)).toEqual(['a/m', 'b/m']);
  });
});

describe('LlmRouter retries and fallbacks', () => {
  it('retries a 5xx on the same deployment after an exponential back-off', async () => {
    let n = 0;
    const a = scriptedProvider('a', {
      chat: async () => {
        n++;
        if (n < 3) throw fail('server', 'a', { status: 503 });
        return textResult('ok');
      },
    });
    const router = new LlmRouter(
      SETTINGS,
      clock(() => 0),
    );
    const state = newState();
    const t = track(router.chat(route([dep(a)]), ask, {}, state));
    await vi.advanceTimersByTimeAsync(99);
    expect(a.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(a.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(199);
    expect(a.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.done).toBe(true);
    expect(t.value?.content).toBe('ok');
    expect(state).toMatchObject({ attempts: 3, fallbacks: 0 });
  });

  it("honours the upstream's retry-after", async () => {
    let n = 0;
    const a = scriptedProvider('a', {
      chat: async () => {
        if (n++ === 0) throw fail('rate-limited', 'a', { status: 429, retryAfterMs: 3000 });
        return textResult('later');
      },
    });
    const router = new LlmRouter(SETTINGS, clock());
    const t = track(router.chat(route([dep(a)]), ask));
    await vi.advanceTimersByTimeAsync(2999);
    expect(a.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.value?.content).toBe('later');
  });

  it('falls back at once when the retry-after is longer than the back-off allows', async () => {
    const a = scriptedProvider('a', {
      chat: async () => {
        throw fail('rate-limited', 'a', { status: 429, retryAfterMs: 60_000 });
      },
    });
    const b = scriptedProvider('b', { chat: async () => textResult('from b') });
    const router = new LlmRouter(SETTINGS, clock());
    const state = newState();
    const result = await router.chat(route([dep(a)], [dep(b)]), ask, {}, state);
    expect(result.content).toBe('from b');
    expect(a.calls).toHaveLength(1);
    expect(state).toMatchObject({ attempts: 2, fallbacks: 1 });
    expect(state.served?.ref).toBe('b/m');
  });

  it("never retries or falls back on the caller's own 4xx", async () => {
    const a = scriptedProvider('a', {
      chat: async () => {
        throw fail('invalid-request', 'a', { status: 400 });
      },
    });
    const b = scriptedProvider('b', { chat: async () => textResult('b') });
    const router = new LlmRouter(SETTINGS, clock());
    await expect(router.chat(route([dep(a)], [dep(b)]), ask)).rejects.toMatchObject({
      kind: 'invalid-request',
    });
    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(0);
  });

  it('falls back on a connection error and on a refused key, without retrying the refused key', async () => {
    const a = scriptedProvider('a', {
      chat: async () => {
        throw fail('auth', 'a', { status: 401 });
      },
    });
    const b = scriptedProvider('b', { chat: async () => textResult('b') });
    const router = new LlmRouter(SETTINGS, clock());
    expect((await router.chat(route([dep(a), dep(b)]), ask)).content).toBe('b');
    expect(a.calls).toHaveLength(1);
  });

  it('throws the last failure when every deployment fails', async () => {
    const down = (name: string) =>
      scriptedProvider(name, {
        chat: async () => {
          throw fail('connection', name);
        },
      });
    const router = new LlmRouter({ ...SETTINGS, retries: { ...SETTINGS.retries, maxRetries: 0 } }, clock());
    await expect(router.chat(route([dep(down('a'))], [dep(down('b'))]), ask)).rejects.toMatchObject({
      kind: 'connection',
      details: { provider: 'b' },
    });
  });

  it('cools a deployment down after repeated failures and takes it back afterwards', async () => {
    let aFails = true;
    const a = scriptedProvider('a', {
      chat: async () => {
        if (aFails) throw fail('server', 'a', { status: 500 });
        return textResult('a');
      },
    });
    const b = scriptedProvider('b', { chat: async () => textResult('b') });
    const settings = { ...SETTINGS, retries: { ...SETTINGS.retries, maxRetries: 0 } };
    const cooled: string[] = [];
    const router = new LlmRouter(
      settings,
      clock(() => 0),
      { cooledDown: (d) => cooled.push(d.ref) },
    );
    const r = route([dep(a, 1), dep(b, 1)]);
    for (let i = 0; i < 3; i++) expect((await router.chat(r, ask)).content).toBe('b');
    expect(cooled).toEqual(['a/m']);
    expect(router.coolingDown('a/m')).toBe(true);
    // While it rests, b is tried first: a sees no more calls.
    aFails = false;
    await router.chat(r, ask);
    expect(a.calls).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(router.coolingDown('a/m')).toBe(false);
    expect((await router.chat(r, ask)).content).toBe('a');
  });
});

describe('LlmRouter timeouts', () => {
  it('gives up on a silent upstream at the total timeout and aborts it', async () => {
    const a = scriptedProvider('a', { chat: (_r, o) => never(o.signal) });
    const settings = { ...SETTINGS, retries: { ...SETTINGS.retries, maxRetries: 0 } };
    const router = new LlmRouter(settings, clock());
    const t = track(router.chat(route([dep(a)]), ask));
    await vi.advanceTimersByTimeAsync(59_999);
    expect(t.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.error).toMatchObject({ kind: 'timeout' });
    expect(a.calls[0]!.signal?.aborted).toBe(true);
  });

  it('falls back when a stream sends no first part within firstTokenMs', async () => {
    const a = scriptedProvider('a', {
      stream: (_r, o) => ({
        [Symbol.asyncIterator]: () => ({ next: () => never<IteratorResult<ChatStreamPart>>(o.signal) }),
      }),
    });
    const b = scriptedProvider('b', {
      stream: () =>
        partsOf([
          { type: 'text-delta', text: 'hi' },
          { type: 'finish', finishReason: 'stop' },
        ]),
    });
    const settings = { ...SETTINGS, retries: { ...SETTINGS.retries, maxRetries: 0 } };
    const router = new LlmRouter(settings, clock());
    const stream = router.stream(route([dep(a)], [dep(b)]), ask);
    const got: ChatStreamPart[] = [];
    const t = track(
      (async () => {
        for await (const p of stream) got.push(p);
      })(),
    );
    await vi.advanceTimersByTimeAsync(4999);
    expect(got).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.done).toBe(true);
    expect(got.map((p) => p.type)).toEqual(['text-delta', 'finish']);
    expect(a.calls[0]!.signal?.aborted).toBe(true);
    expect(stream.state).toMatchObject({ fallbacks: 1, served: { ref: 'b/m' } });
  });

  it('ends a stream that stalls mid-answer with a timeout, without falling back', async () => {
    const a = scriptedProvider('a', {
      stream: (_r, o) => {
        let sent = false;
        return {
          [Symbol.asyncIterator]: () => ({
            next: () => {
              if (sent) return never<IteratorResult<ChatStreamPart>>(o.signal);
              sent = true;
              return Promise.resolve({
                done: false,
                value: { type: 'text-delta', text: 'par' } as ChatStreamPart,
              });
            },
          }),
        };
      },
    });
    const b = scriptedProvider('b', { stream: () => partsOf([]) });
    const router = new LlmRouter(SETTINGS, clock());
    const got: ChatStreamPart[] = [];
    const t = track(
      (async () => {
        for await (const p of router.stream(route([dep(a)], [dep(b)]), ask)) got.push(p);
      })(),
    );
    await vi.advanceTimersByTimeAsync(5000);
    expect(t.error).toMatchObject({ kind: 'timeout' });
    expect(got).toEqual([{ type: 'text-delta', text: 'par' }]);
    expect(b.calls).toHaveLength(0);
    expect(a.calls[0]!.signal?.aborted).toBe(true);
  });
});

describe('LlmRouter cancellation and mid-stream failures', () => {
  it("aborts the upstream as soon as the caller's signal aborts", async () => {
    const a = scriptedProvider('a', {
      stream: (_r, o) => {
        let first = true;
        return {
          [Symbol.asyncIterator]: () => ({
            next: () => {
              if (!first) return never<IteratorResult<ChatStreamPart>>(o.signal);
              first = false;
              return Promise.resolve({
                done: false,
                value: { type: 'text-delta', text: 'a' } as ChatStreamPart,
              });
            },
          }),
        };
      },
    });
    const router = new LlmRouter(SETTINGS, clock());
    const caller = new AbortController();
    const it = router.stream(route([dep(a)]), ask, { signal: caller.signal })[Symbol.asyncIterator]();
    expect((await it.next()).value).toEqual({ type: 'text-delta', text: 'a' });
    const pending = it.next();
    caller.abort();
    expect(a.calls[0]!.signal?.aborted).toBe(true);
    await expect(pending).rejects.toMatchObject({ kind: 'aborted' });
  });

  it('aborts the upstream when the consumer stops iterating', async () => {
    const a = scriptedProvider('a', {
      stream: () =>
        partsOf([
          { type: 'text-delta', text: '1' },
          { type: 'text-delta', text: '2' },
        ]),
    });
    const router = new LlmRouter(SETTINGS, clock());
    for await (const _ of router.stream(route([dep(a)]), ask)) break;
    expect(a.calls[0]!.signal?.aborted).toBe(true);
  });

  it('stops the upstream when the consumer gives up while the call is still opening', async () => {
    let release: (() => void) | undefined;
    const a = scriptedProvider('a', {
      stream: async function* () {
        await new Promise<void>((r) => {
          release = r;
        });
        yield { type: 'text-delta', text: 'late' } as ChatStreamPart;
        yield { type: 'text-delta', text: 'later' } as ChatStreamPart;
      },
    });
    const router = new LlmRouter(SETTINGS, clock());
    const it = router.stream(route([dep(a)]), ask)[Symbol.asyncIterator]();
    const opening = it.next();
    await vi.advanceTimersByTimeAsync(0);
    expect(await it.return!()).toEqual({ done: true, value: undefined });
    release!();
    expect(await opening).toEqual({ done: true, value: undefined });
    expect(a.calls[0]!.signal?.aborted).toBe(true);
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });

  it('answers done to every next() after a stream has ended, and keeps every part in order', async () => {
    const parts: ChatStreamPart[] = [
      { type: 'text-delta', text: '1' },
      { type: 'text-delta', text: '2' },
      { type: 'finish', finishReason: 'stop' },
    ];
    const a = scriptedProvider('a', { stream: () => partsOf(parts) });
    const router = new LlmRouter(SETTINGS, clock());
    const it = router.stream(route([dep(a)]), ask)[Symbol.asyncIterator]();
    const got: ChatStreamPart[] = [];
    for (let step = await it.next(); !step.done; step = await it.next()) got.push(step.value);
    expect(got).toEqual(parts);
    expect(await it.next()).toEqual({ done: true, value: undefined });
    expect(a.calls[0]!.signal?.aborted).toBe(false);
  });

  it('passes a mid-stream failure on after the parts already sent, without a fallback', async () => {
    const a = scriptedProvider('a', {
      stream: async function* () {
        yield { type: 'text-delta', text: 'half' } as ChatStreamPart;
        throw fail('server', 'a', { status: 500 });
      },
    });
    const b = scriptedProvider('b', { stream: () => partsOf([]) });
    const router = new LlmRouter(SETTINGS, clock());
    const got: ChatStreamPart[] = [];
    await expect(
      (async () => {
        for await (const p of router.stream(route([dep(a)], [dep(b)]), ask)) got.push(p);
      })(),
    ).rejects.toMatchObject({ kind: 'server' });
    expect(got).toHaveLength(1);
    expect(b.calls).toHaveLength(0);
  });
});
