import { describe, expect, it } from 'vitest';
import { AdmissionController, type QueuedWork } from './admission.js';
import { ManualClock } from './clock.js';
import { type EffectiveServingConfig, SERVING_DEFAULTS } from './serving-config.js';

const config = (over: Partial<EffectiveServingConfig> = {}) => ({ ...SERVING_DEFAULTS, ...over });

/** A controller that has measured `executions` runs of `computeMs` each. */
function trained(over: Partial<EffectiveServingConfig>, computeMs: number, instances = 1, executions = 8) {
  const clock = new ManualClock();
  const admission = new AdmissionController(config(over), true, instances, clock);
  for (let i = 0; i < executions; i++) admission.executed(computeMs);
  return { clock, admission };
}

const queued = (n: number, at = 0): QueuedWork[] =>
  Array.from({ length: n }, () => ({ rows: 1, enqueuedAt: at }));

/** Offers a burst of `n` one-row requests in one turn (nothing starts in between); returns the refusals. */
function burst(admission: AdmissionController, n: number, idleInstances: number, timeoutMs: number) {
  const queue: QueuedWork[] = [];
  const refusals: string[] = [];
  for (let i = 0; i < n; i++) {
    const why = admission.refusal({ queue, idleInstances }, 1, timeoutMs);
    if (why === undefined) queue.push({ rows: 1, enqueuedAt: 0 });
    else refusals.push(why);
  }
  return { admitted: queue.length, refusals };
}

/**
 * One instance of a model that takes `computeMs` per request (maxBatchSize 1), offered one request
 * every `everyMs` for `forMs` on the controller's clock. Records, for each offer, when it came, the
 * queue depth it joined (itself included; 0 when refused) and how it ended.
 */
function overload(
  clock: ManualClock,
  admission: AdmissionController,
  computeMs: number,
  everyMs: number,
  forMs: number,
) {
  type Offer = QueuedWork & { at: number; depth: number; outcome?: 'served' | string };
  const start = clock.now();
  const queue: Offer[] = [];
  const offers: Offer[] = [];
  const instance = {};
  let running: Offer | undefined;
  let busyUntil = Number.NEGATIVE_INFINITY;
  const pool = () => ({ queue, idleInstances: running ? 0 : 1 });
  const startNext = () => {
    const allowance = admission.staleAfterMs(pool());
    if (allowance !== undefined) {
      for (const o of queue.filter((q) => clock.now() - q.enqueuedAt > allowance)) {
        o.outcome = `dropped after ${clock.now() - o.enqueuedAt} ms`;
        queue.splice(queue.indexOf(o), 1);
      }
    }
    running = queue.shift();
    if (!running) return;
    admission.batchStarted(instance, clock.now());
    busyUntil = clock.now() + computeMs;
  };
  while (clock.now() - start < forMs) {
    if (running && clock.now() >= busyUntil) {
      admission.executed(computeMs);
      running.outcome = 'served';
      running = undefined;
      if (queue.length === 0) admission.instanceIdle(instance);
    }
    if (!running && queue.length > 0) startNext();
    const why = admission.refusal(pool(), 1, 30_000);
    const offer: Offer = { rows: 1, enqueuedAt: clock.now(), at: clock.now() - start, depth: 0 };
    offers.push(offer);
    if (why === undefined) {
      admission.noteIfCaughtUp(pool());
      queue.push(offer);
      offer.depth = queue.length;
      if (!running) startNext();
    } else offer.outcome = why;
    clock.advance(everyMs);
  }
  return offers;
}

describe('admission control (on a controlled clock)', () => {
  it('admits everything while cold (fewer than eight executions measured)', () => {
    const { admission } = trained({ maxBatchSize: 1, maxQueue: 1000, timeoutMs: 110 }, 20, 1, 7);
    expect(burst(admission, 20, 0, 110).admitted).toBe(20);
  });

  it('refuses at once (429 QUEUE_FULL) what the queue cannot reach before its deadline', () => {
    const { admission } = trained({ maxBatchSize: 1, maxQueue: 1000, timeoutMs: 110 }, 20);
    // ~20 ms each within 110 ms (88 ms with the headroom): one runs at once, three queue behind it.
    const { admitted, refusals } = burst(admission, 20, 1, 110);
    expect(admitted).toBe(4);
    expect(refusals).toHaveLength(16);
    for (const why of refusals) expect(why).toMatch(/too close to its 110 ms deadline/);
    // With the instance busy, one batch more is ahead of each request.
    expect(burst(admission, 20, 0, 110).admitted).toBe(3);
    // A request with a longer deadline of its own gets further into the same queue.
    expect(admission.refusal({ queue: queued(10), idleInstances: 0 }, 1, 1_000)).toBeUndefined();
  });

  it('refuses for a full queue whatever the estimate, with a retry hint from the queue', () => {
    const { admission } = trained({ maxBatchSize: 32, maxQueue: 64 }, 600);
    expect(admission.refusal({ queue: queued(64), idleInstances: 1 }, 1, 30_000)).toMatch(
      /queue is full \(64 waiting\)/,
    );
    // Two batches of 32 at ~600 ms each.
    expect(admission.retryAfterSeconds(64)).toBe(2);
    expect(admission.retryAfterSeconds(0)).toBe(1);
  });

  it('counts instances and batching in the estimate', () => {
    const batched = trained({ maxBatchSize: 4, maxQueue: 1000, timeoutMs: 110 }, 20, 2).admission;
    const single = trained({ maxBatchSize: 1, maxQueue: 1000, timeoutMs: 110 }, 20, 1).admission;
    // Two instances × 4 rows per batch: far more fit than with one unbatched instance.
    expect(burst(batched, 24, 0, 110).admitted).toBeGreaterThanOrEqual(16);
    expect(burst(single, 24, 0, 110).admitted).toBeLessThanOrEqual(4);
  });

  it('under sustained overload admits only what starts within queueTargetMs, and refuses the rest at once', () => {
    const over = { maxBatchSize: 1, maxQueue: 1000, timeoutMs: 30_000 };
    const { clock, admission } = trained({ ...over, queueTargetMs: 5 }, 10);
    // 5× what one 10 ms instance serves, for a second; the 30 s deadline alone would refuse nothing.
    const offers = overload(clock, admission, 10, 2, 1000);
    const refused = offers.filter((o) => o.depth === 0);
    expect(refused.length).toBeGreaterThan(offers.length / 3);
    for (const o of refused) expect(o.outcome).toMatch(/sustained overload/);
    // Once the queue has stood for 100 ms, a request is admitted only into a short queue (about the
    // target over the batch time) instead of joining the whole backlog.
    const late = offers.filter((o) => o.at > 700 && o.depth > 0);
    expect(late.length).toBeGreaterThan(3);
    expect(Math.max(...late.map((o) => o.depth))).toBeLessThanOrEqual(4);
    // Requests queued before the overload was recognised were dropped, not run late.
    expect(offers.some((o) => o.outcome?.startsWith('dropped'))).toBe(true);
    // The standing state has hysteresis: it holds while it keeps refusing, though the short queue
    // catches up now and then.
    expect(offers.filter((o) => o.at > 200 && o.depth > 4)).toEqual([]);

    // Off (queueTargetMs 0): the same overload queues everything, and the backlog only grows.
    const off = trained({ ...over, queueTargetMs: 0 }, 10);
    const queuedOffers = overload(off.clock, off.admission, 10, 2, 300);
    expect(queuedOffers.filter((o) => o.depth === 0)).toEqual([]);
    expect(Math.max(...queuedOffers.map((o) => o.depth))).toBeGreaterThan(20);
  });

  it('a queue that catches up is not standing: a burst after quiet is admitted to its deadline', () => {
    const { clock, admission } = trained({ maxBatchSize: 1, maxQueue: 1000, queueTargetMs: 5 }, 10);
    clock.advance(1_000);
    admission.noteIfCaughtUp({ queue: [], idleInstances: 1 });
    clock.advance(50);
    expect(burst(admission, 50, 1, 30_000).admitted).toBe(50);
    // …until it has stood for the interval (100 ms here): then the target applies.
    clock.advance(60);
    expect(admission.refusal({ queue: queued(50, clock.now() - 110), idleInstances: 0 }, 1, 30_000)).toMatch(
      /sustained overload/,
    );
    expect(admission.staleAfterMs({ queue: queued(50, clock.now() - 110), idleInstances: 0 })).toBe(20);
  });
});
