/**
 * What every limit store shared by replicas answers (LimitStore on each database, RedisLimitStore):
 * one suite, run by llm/limits.test.ts and llm/redis-limits.test.ts. `open` builds one replica's
 * store over the shared counters, reading the suite's clock; each call is another replica.
 */
import { beforeAll, expect, it } from 'vitest';
import { ModelGardenError } from '../errors/model-garden-error.js';
import type { LimitCounter, Reservation } from '../llm/limits.js';

export function limitCounterContract(open: (now: () => number) => LimitCounter): void {
  let now = Date.UTC(2026, 11, 3, 10, 0, 30);
  const clock = () => now;
  let store: LimitCounter;
  beforeAll(() => {
    store = open(clock);
  });

  it('many concurrent reservations from two replicas never overspend a daily budget', async () => {
    const other = open(clock);
    const results = await Promise.allSettled(
      Array.from({ length: 60 }, (_, i) =>
        (i % 2 ? other : store).reserve('key:race', { tokensPerDay: 1000 }, 100),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    for (const r of results)
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'BUDGET_EXCEEDED' });
    expect((await store.usage('key:race')).dayTokens).toBe(1000);
  });

  it('settling gives back what a call did not use, so later calls fit', async () => {
    const limits = { tokensPerMonth: 300 };
    const first = (await store.reserve('key:settle', limits, 200)) as Reservation;
    await expect(store.reserve('key:settle', limits, 200)).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
    store.settle(first, 50);
    expect((await store.usage('key:settle')).monthTokens).toBe(50);
    await expect(store.reserve('key:settle', limits, 200)).resolves.not.toBeNull();
  });

  it('refuses over the per-minute request limit with the seconds until the minute ends', async () => {
    await store.reserve('key:rpm', { requestsPerMinute: 2 }, 0);
    await store.reserve('key:rpm', { requestsPerMinute: 2 }, 0);
    const refused = await store.reserve('key:rpm', { requestsPerMinute: 2 }, 0).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ModelGardenError);
    expect(refused).toMatchObject({
      code: 'RATE_LIMITED',
      details: { limit: 'requestsPerMinute', retryAfterMs: 30_000 },
    });
    // The next minute starts from zero; a settlement of the last minute's call leaves it alone.
    const last = (await open(clock).reserve('key:rpm-tokens', { tokensPerMinute: 100 }, 80)) as Reservation;
    now += 60_000;
    await expect(store.reserve('key:rpm', { requestsPerMinute: 2 }, 0)).resolves.not.toBeNull();
    expect((await store.usage('key:rpm')).minuteRequests).toBe(1);
    store.settle(last, 10);
    await expect(store.reserve('key:rpm-tokens', { tokensPerMinute: 100 }, 100)).resolves.not.toBeNull();
    expect((await store.usage('key:rpm-tokens')).minuteTokens).toBe(100);
  });

  it('concurrent requests under a per-minute token limit admit exactly what fits', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, () =>
        store.reserve('key:tpm', { tokensPerMinute: 700, requestsPerMinute: 100 }, 70),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: 'RATE_LIMITED', details: { limit: 'tokensPerMinute' } });
  });

  it('refuses at once a request larger than the whole budget, and counts nothing without limits', async () => {
    await expect(store.reserve('key:big', { tokensPerDay: 10 }, 11)).rejects.toMatchObject({
      code: 'BUDGET_EXCEEDED',
    });
    await expect(store.reserve('key:free', {}, 1_000_000)).resolves.toBeNull();
    expect(await store.usage('key:big')).toEqual({
      minuteRequests: 0,
      minuteTokens: 0,
      dayTokens: 0,
      monthTokens: 0,
    });
  });
}
