/**
 * Limits and budgets on each database backend (PGlite, and the Postgres server with
 * TEST_DATABASE_URL): reservations are atomic, so many concurrent requests never overspend.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelGardenError } from '../errors/model-garden-error.js';
import { backends } from '../test-support/registry-backends.js';
import { LimitStore, type Reservation } from './limits.js';
import { ExclusiveLimitStore } from './local-limits.js';

for (const backend of backends) {
  describe(`LimitStore on ${backend.name}`, () => {
    let opened: Awaited<ReturnType<typeof backend.open>>;
    let dir: string;
    let now = Date.UTC(2026, 11, 3, 10, 0, 30);
    let store: LimitStore;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'mg-limits-'));
      opened = await backend.open(dir);
      store = new LimitStore(opened.database.db, { now: () => now });
    }, 60_000);
    afterAll(async () => {
      await opened?.cleanup();
      await rm(dir, { recursive: true, force: true });
    });

    it('many concurrent reservations from two replicas never overspend a daily budget', async () => {
      const subject = 'key:race';
      // Two stores on one database: two replicas (each groups its own bursts; the database decides).
      const other = new LimitStore(opened.database.db, { now: () => now });
      const results = await Promise.allSettled(
        Array.from({ length: 60 }, (_, i) =>
          (i % 2 ? other : store).reserve(subject, { tokensPerDay: 1000 }, 100),
        ),
      );
      const ok = results.filter((r) => r.status === 'fulfilled');
      expect(ok).toHaveLength(10);
      for (const r of results)
        if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'BUDGET_EXCEEDED' });
      expect((await store.usage(subject)).dayTokens).toBe(1000);
    });

    it('settling gives back what a call did not use, so later calls fit', async () => {
      const subject = 'key:settle';
      const limits = { tokensPerMonth: 300 };
      const first = await store.reserve(subject, limits, 200);
      await expect(store.reserve(subject, limits, 200)).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
      store.settle(first!, 50);
      expect((await store.usage(subject)).monthTokens).toBe(50);
      await expect(store.reserve(subject, limits, 200)).resolves.not.toBeNull();
    });

    it('refuses over the per-minute request limit with the seconds until the minute ends', async () => {
      const subject = 'key:rpm';
      await store.reserve(subject, { requestsPerMinute: 2 }, 0);
      await store.reserve(subject, { requestsPerMinute: 2 }, 0);
      const refused = await store.reserve(subject, { requestsPerMinute: 2 }, 0).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ModelGardenError);
      expect(refused).toMatchObject({
        code: 'RATE_LIMITED',
        details: { limit: 'requestsPerMinute', retryAfterMs: 30_000 },
      });
      // The next minute starts from zero.
      now += 60_000;
      await expect(store.reserve(subject, { requestsPerMinute: 2 }, 0)).resolves.not.toBeNull();
      expect((await store.usage(subject)).minuteRequests).toBe(1);
    });

    it('concurrent requests under a per-minute token limit admit exactly what fits', async () => {
      const subject = 'key:tpm';
      const results = await Promise.allSettled(
        Array.from({ length: 40 }, () =>
          store.reserve(subject, { tokensPerMinute: 700, requestsPerMinute: 100 }, 70),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
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
  });
}

describe('ExclusiveLimitStore (embedded PGlite: counted in memory, written behind)', () => {
  let opened: Awaited<ReturnType<(typeof backends)[0]['open']>>;
  let dir: string;
  const now = Date.UTC(2026, 11, 3, 10, 0, 30);
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mg-local-limits-'));
    opened = await backends[0]!.open(dir);
  }, 60_000);
  afterAll(async () => {
    await opened?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('many concurrent reservations never overspend, and the counts survive a restart', async () => {
    const store = new ExclusiveLimitStore(opened.database.db, { now: () => now });
    const results = await Promise.allSettled(
      Array.from({ length: 60 }, () => store.reserve('key:local', { tokensPerDay: 1000 }, 100)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    const first = results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<Reservation>;
    store.settle(first.value, 40);
    await store.flush();
    // A new process reads the counters the first one wrote (the same table LimitStore uses).
    const reopened = new ExclusiveLimitStore(opened.database.db, { now: () => now });
    expect((await reopened.usage('key:local')).dayTokens).toBe(940);
    expect((await new LimitStore(opened.database.db, { now: () => now }).usage('key:local')).dayTokens).toBe(
      940,
    );
    await expect(reopened.reserve('key:local', { tokensPerDay: 1000 }, 100)).rejects.toMatchObject({
      code: 'BUDGET_EXCEEDED',
    });
    await expect(reopened.reserve('key:local', { tokensPerDay: 1000 }, 60)).resolves.not.toBeNull();
  });

  it('refuses over the per-minute limit and starts the next minute from zero', async () => {
    let t = now;
    const store = new ExclusiveLimitStore(opened.database.db, { now: () => t });
    await store.reserve('key:local-rpm', { requestsPerMinute: 1 }, 0);
    await expect(store.reserve('key:local-rpm', { requestsPerMinute: 1 }, 0)).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      details: { retryAfterMs: 30_000 },
    });
    t += 60_000;
    await expect(store.reserve('key:local-rpm', { requestsPerMinute: 1 }, 0)).resolves.not.toBeNull();
  });
});
