/**
 * Limits and budgets on each database backend (PGlite, and the Postgres server with
 * TEST_DATABASE_URL): reservations are atomic, so many concurrent requests never overspend.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitCounterContract } from '../test-support/limit-counter-contract.js';
import { backends } from '../test-support/registry-backends.js';
import { LimitStore, type Reservation } from './limits.js';
import { ExclusiveLimitStore } from './local-limits.js';

for (const backend of backends) {
  describe(`LimitStore on ${backend.name}`, () => {
    let opened: Awaited<ReturnType<typeof backend.open>>;
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'mg-limits-'));
      opened = await backend.open(dir);
    }, 60_000);
    afterAll(async () => {
      await opened?.cleanup();
      await rm(dir, { recursive: true, force: true });
    });

    // Each store on the one database is a replica: each groups its own bursts, the database decides.
    limitCounterContract((now) => new LimitStore(opened.database.db, { now }));
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
