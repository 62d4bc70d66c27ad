/**
 * Budgets under load, end to end: many concurrent chat requests from one key against a small daily
 * budget never spend more than it, on PGlite and on the Postgres server (TEST_DATABASE_URL), and
 * with the counters in Redis (REDIS_URL: TEST_REDIS_URL or the local 127.0.0.1:6379, when one answers).
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finish, say, turn, usage } from '../../test-support/fake-llm/index.js';
import { ADMIN_KEY, type GatewayFixture, startGateway } from '../../test-support/llm-gateway.js';
import { redisAnswers, redisTestUrl } from '../../test-support/redis.js';
import { serverBackends } from '../../test-support/registry-backends.js';

const redisUrl = redisTestUrl;
const withRedis = (await redisAnswers())
  ? serverBackends.slice(0, 1).map((b) => ({
      name: `${b.name}, counters in Redis`,
      async open() {
        const opened = await b.open();
        return { ...opened, env: { ...opened.env, REDIS_URL: redisUrl } };
      },
      /** A fresh database numbers its keys from 1 again: an earlier run's counter must not count. */
      async reset(keyId: number) {
        const redis = new Redis(redisUrl);
        await redis.del(`modelgarden:llm:limits:key:${keyId}`);
        redis.disconnect();
      },
    }))
  : [];

const backends: Array<(typeof withRedis)[number] | (typeof serverBackends)[number]> = [
  ...serverBackends,
  ...withRedis,
];
for (const backend of backends) {
  describe(`token budgets on ${backend.name}`, () => {
    let g: GatewayFixture;
    let drop: () => Promise<void>;
    beforeAll(async () => {
      const opened = await backend.open();
      drop = opened.drop;
      g = await startGateway({ env: opened.env });
    }, 60_000);
    afterAll(async () => {
      await g?.close();
      await drop?.();
    });

    it('concurrent requests never overspend a daily budget', async () => {
      const budget = 400;
      const k = await g.key();
      if ('reset' in backend) await backend.reset(k.id);
      const put = await fetch(`${g.url}/api/llm/keys/${k.id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
        body: JSON.stringify({
          allowedModels: null,
          requestsPerMinute: null,
          tokensPerMinute: null,
          tokensPerDay: budget,
          tokensPerMonth: null,
          storeContent: false,
        }),
      });
      expect(put.status).toBe(200);
      // Every answer uses 5 + 40 tokens; each request reserves its prompt + max_tokens (40).
      g.openai.setDefault('chat', turn(say('fine'), finish('stop'), usage(5, 40)));
      const results = await Promise.all(
        Array.from({ length: 40 }, () =>
          g.post(
            '/v1/chat/completions',
            { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 40 },
            k.key,
          ),
        ),
      );
      const statuses = results.map((r) => r.status);
      const ok = statuses.filter((s) => s === 200).length;
      const refused = results.filter((r) => r.status === 429);
      expect(ok + refused.length).toBe(40);
      expect(ok).toBeGreaterThan(0);
      expect(refused.length).toBeGreaterThan(0);
      for (const r of refused) {
        expect(r.headers.get('x-should-retry')).toBe('false');
        expect(((await r.json()) as { error: { code: string } }).error.code).toBe('insufficient_quota');
      }
      const settings = (await (
        await fetch(`${g.url}/api/llm/keys/${k.id}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })
      ).json()) as { used: { dayTokens: number } };
      // Settling is off the response path: wait for the last one.
      for (let i = 0; i < 50 && settings.used.dayTokens !== ok * 45; i++) {
        await new Promise((r) => setTimeout(r, 20));
        Object.assign(
          settings,
          await (
            await fetch(`${g.url}/api/llm/keys/${k.id}`, {
              headers: { authorization: `Bearer ${ADMIN_KEY}` },
            })
          ).json(),
        );
      }
      expect(settings.used.dayTokens).toBe(ok * 45);
      expect(settings.used.dayTokens).toBeLessThanOrEqual(budget);
      g.openai.setDefault('chat', undefined);
    });
  });
}
