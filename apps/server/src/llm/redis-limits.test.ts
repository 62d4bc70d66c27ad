/**
 * Limits and budgets in Redis (TEST_REDIS_URL, else the local Redis at 127.0.0.1:6379; skipped when
 * none answers): the limit-store contract LimitStore passes too (test-support/limit-counter-contract.ts)
 * — many concurrent reservations from two replicas never overspend: each check-and-count is one Lua script.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe } from 'vitest';
import { limitCounterContract } from '../test-support/limit-counter-contract.js';
import { redisAnswers, redisTestUrl } from '../test-support/redis.js';
import { RedisLimitStore } from './redis-limits.js';

const url = redisTestUrl;
const available = await redisAnswers();

describe.skipIf(!available)(`RedisLimitStore on ${url}`, () => {
  // Every run counts under its own prefix, so runs (and the tests of a run) never share a counter.
  const prefix = `modelgarden-test:${randomBytes(6).toString('hex')}:`;
  const stores: RedisLimitStore[] = [];
  afterAll(async () => {
    const redis = new Redis(url);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await Promise.all(stores.map((s) => s.close()));
  });

  limitCounterContract((now) => {
    const store = new RedisLimitStore(new Redis(url, { enableAutoPipelining: true }), { now, prefix });
    stores.push(store);
    return store;
  });
});
