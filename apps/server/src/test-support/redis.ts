/** The Redis the tests may use: TEST_REDIS_URL, else the local one at 127.0.0.1:6379, if it answers. */
import { Redis } from 'ioredis';

export const redisTestUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Whether a Redis answers at `url` (one try, no retries). */
export async function redisAnswers(url = redisTestUrl): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}
