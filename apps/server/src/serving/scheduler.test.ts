import { afterEach, describe, expect, it, vi } from 'vitest';
import { ModelGardenError } from '../errors/model-garden-error.js';
import type { RawOutput } from './batching.js';
import { ManualClock } from './clock.js';
import { type Cancellable, type InstanceRunner, Scheduler, type SchedulerObserver } from './scheduler.js';
import { SERVING_DEFAULTS } from './serving-config.js';
import type { DecodedTensor } from './tensor-codec.js';

/** A fake model y = 2x + row-sum, so a row's output depends on its own row only. */
function fakeModel() {
  const batches: number[] = [];
  let release: (() => void) | undefined;
  let gate: Promise<void> | undefined;
  const runner: InstanceRunner = async (inputs) => {
    const x = inputs[0]!;
    batches.push(x.shape[0]!);
    if (gate) await gate;
    const width = x.shape[1]!;
    const data = new Float32Array(x.data.length);
    for (let r = 0; r < x.shape[0]!; r++) {
      let sum = 0;
      for (let c = 0; c < width; c++) sum += (x.data as Float32Array)[r * width + c]!;
      for (let c = 0; c < width; c++)
        data[r * width + c] = 2 * (x.data as Float32Array)[r * width + c]! + sum;
    }
    return [{ name: 'y', datatype: 'FP32', shape: [...x.shape], data }] satisfies RawOutput[];
  };
  return {
    runner,
    batches,
    hold() {
      gate = new Promise((r) => {
        release = r;
      });
    },
    release() {
      gate = undefined;
      release?.();
    },
  };
}

const rows = (n: number, seed: number): DecodedTensor[] => [
  {
    name: 'x',
    datatype: 'FP32',
    shape: [n, 3],
    data: Float32Array.from({ length: n * 3 }, (_, i) => seed * 10 + i),
  },
];

function recorder() {
  const outcomes: string[] = [];
  const observer: SchedulerObserver = {
    pending() {},
    executed() {},
    finished: (o) => outcomes.push(o),
  };
  return { observer, outcomes };
}

/**
 * A clock and timers that move only when the test says: `tick(ms)` advances both (the scheduler's
 * deadline and batching-delay timers are setTimeout; its pump, setImmediate, stays real).
 */
function controlledTime() {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  const clock = new ManualClock();
  return {
    clock,
    async tick(ms: number) {
      clock.advance(ms);
      await vi.advanceTimersByTimeAsync(ms);
      await new Promise((r) => setImmediate(r));
    },
  };
}
afterEach(() => {
  vi.useRealTimers();
});

/** A promise's outcome, readable without awaiting it. */
function settled(p: Promise<unknown>) {
  const state: { error?: ModelGardenError; done?: boolean } = {};
  p.then(
    () => {
      state.done = true;
    },
    (e: ModelGardenError) => {
      state.error = e;
    },
  );
  return state;
}

const config = (over: Partial<typeof SERVING_DEFAULTS> = {}) => ({ ...SERVING_DEFAULTS, ...over });

describe('Scheduler', () => {
  it('gives each request of a batch exactly what a run of its own gives, for mixed batch sizes', async () => {
    const model = fakeModel();
    const { observer } = recorder();
    const scheduler = new Scheduler([model.runner], config({ maxBatchSize: 16 }), true, observer);
    const sizes = [1, 3, 2, 1, 5, 1, 4, 2];
    const batched = await Promise.all(sizes.map((n, i) => scheduler.submit(rows(n, i), ['y'])));
    // Greedy batching: the first request ran alone, the rest were merged.
    expect(model.batches.length).toBeLessThan(sizes.length);
    expect(Math.max(...model.batches)).toBeGreaterThan(1);
    const single = await Promise.all(sizes.map((n, i) => model.runner(rows(n, i), ['y'])));
    batched.forEach((out, i) => {
      expect(out[0]!.shape).toEqual([sizes[i], 3]);
      expect(Array.from(out[0]!.data as Float32Array)).toEqual(
        Array.from(single[i]![0]!.data as Float32Array),
      );
    });
  });

  it('never exceeds maxBatchSize rows and runs an oversized request alone', async () => {
    const model = fakeModel();
    const scheduler = new Scheduler([model.runner], config({ maxBatchSize: 4 }), true, recorder().observer);
    model.hold();
    const first = scheduler.submit(rows(1, 0), ['y']);
    await new Promise((r) => setImmediate(r));
    const rest = [3, 2, 2, 6, 1].map((n, i) => scheduler.submit(rows(n, i + 1), ['y']));
    model.release();
    await Promise.all([first, ...rest]);
    // [3, 2, 2, 6, 1] queued behind the first: 3+1, then 2+2, then the 6 alone.
    expect(model.batches).toEqual([1, 4, 4, 6]);
  });

  it('does not batch requests whose non-batch dimensions differ, or a model without a batch dimension', async () => {
    const model = fakeModel();
    const scheduler = new Scheduler([model.runner], config(), false, recorder().observer);
    await Promise.all([1, 2, 3].map((n) => scheduler.submit(rows(n, n), ['y'])));
    expect(model.batches).toEqual([1, 2, 3]);
  });

  it('answers QUEUE_FULL at once with a retry hint when maxQueue requests wait', async () => {
    const model = fakeModel();
    const { observer, outcomes } = recorder();
    const scheduler = new Scheduler([model.runner], config({ maxQueue: 2 }), true, observer);
    model.hold();
    const running = scheduler.submit(rows(1, 0), ['y']);
    await new Promise((r) => setImmediate(r));
    const queued = [scheduler.submit(rows(1, 1), ['y']), scheduler.submit(rows(1, 2), ['y'])];
    const err = await scheduler.submit(rows(1, 3), ['y']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelGardenError);
    expect((err as ModelGardenError).code).toBe('QUEUE_FULL');
    expect((err as ModelGardenError).details?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    // The HTTP layer's early check refuses the same way, and its refusal is counted too.
    expect(scheduler.refuseEarly(1)).toBe(true);
    model.release();
    await Promise.all([running, ...queued]);
    expect(outcomes.filter((o) => o === 'queue_full')).toHaveLength(2);
    expect(scheduler.refuseEarly(1)).toBe(false);
    expect(outcomes.filter((o) => o === 'queue_full')).toHaveLength(2);
  });

  it('fails a request past its deadline with DEADLINE_EXCEEDED and drops it from the queue', async () => {
    const model = fakeModel();
    const { observer, outcomes } = recorder();
    const scheduler = new Scheduler([model.runner], config(), true, observer);
    model.hold();
    const running = scheduler.submit(rows(1, 0), ['y']);
    await new Promise((r) => setImmediate(r));
    const late = scheduler.submit(rows(2, 1), ['y'], { timeoutMs: 20 }).catch((e: unknown) => e);
    expect(((await late) as ModelGardenError).code).toBe('DEADLINE_EXCEEDED');
    expect(scheduler.depth).toBe(0);
    model.release();
    await running;
    await new Promise((r) => setTimeout(r, 10));
    expect(model.batches).toEqual([1]);
    expect(outcomes).toContain('timeout');
  });

  it('keeps each request to its own deadline, a shorter one after a longer one included', async () => {
    const { clock, tick } = controlledTime();
    const model = fakeModel();
    const scheduler = new Scheduler([model.runner], config(), true, recorder().observer, clock);
    model.hold();
    const running = scheduler.submit(rows(1, 0), ['y'], { timeoutMs: 5_000 });
    await new Promise((r) => setImmediate(r));
    const long = settled(scheduler.submit(rows(1, 1), ['y'], { timeoutMs: 200 }));
    const short = settled(scheduler.submit(rows(1, 2), ['y'], { timeoutMs: 30 }));
    await tick(28);
    expect(short.error).toBeUndefined();
    await tick(2);
    expect(short.error?.code).toBe('DEADLINE_EXCEEDED');
    expect(long.error).toBeUndefined();
    await tick(168);
    expect(long.error).toBeUndefined();
    await tick(2);
    expect(long.error?.code).toBe('DEADLINE_EXCEEDED');
    expect(scheduler.depth).toBe(0);
    // The running request (5 s deadline) is untouched and finishes once the model answers.
    model.release();
    expect((await running)[0]!.shape).toEqual([1, 3]);
  });

  it('removes a cancelled request from the queue so it never runs', async () => {
    const model = fakeModel();
    const scheduler = new Scheduler([model.runner], config(), true, recorder().observer);
    model.hold();
    const running = scheduler.submit(rows(1, 0), ['y']);
    await new Promise((r) => setImmediate(r));
    // A connection's registry of cancellations, as cancelOnDisconnect keeps one.
    const registry = new Set<Cancellable>();
    const signal = { onCancel: (r: Cancellable) => registry.add(r) };
    const cancelled = scheduler.submit(rows(5, 1), ['y'], { signal }).catch((e: unknown) => e);
    const kept = scheduler.submit(rows(1, 2), ['y'], { signal });
    expect(scheduler.depth).toBe(2);
    expect(registry.size).toBe(2);
    const [first] = registry;
    first!.cancel();
    expect(((await cancelled) as ModelGardenError).code).toBe('CANCELLED');
    expect(scheduler.depth).toBe(1);
    model.release();
    await running;
    await kept;
    expect(model.batches).toEqual([1, 1]);
    // Settled requests leave the registry: a long-lived connection collects nothing.
    expect(registry.size).toBe(0);
  });

  it('waits up to maxQueueDelayMs to fill a batch', async () => {
    const { clock, tick } = controlledTime();
    const model = fakeModel();
    const scheduler = new Scheduler(
      [model.runner],
      config({ maxQueueDelayMs: 30, maxBatchSize: 8 }),
      true,
      recorder().observer,
      clock,
    );
    const a = scheduler.submit(rows(1, 0), ['y']);
    await tick(5);
    const b = scheduler.submit(rows(1, 1), ['y']);
    await tick(24);
    expect(model.batches).toEqual([]);
    await tick(1);
    await Promise.all([a, b]);
    expect(model.batches).toEqual([2]);
  });

  it('isolates a request the model rejects from the rest of its batch', async () => {
    const model = fakeModel();
    const picky: InstanceRunner = async (inputs, names) => {
      if ((inputs[0]!.data as Float32Array).includes(-1)) {
        throw new ModelGardenError('INVALID_INPUT', 'no negative ones');
      }
      return model.runner(inputs, names);
    };
    const scheduler = new Scheduler([picky], config(), true, recorder().observer);
    const bad: DecodedTensor[] = [
      { name: 'x', datatype: 'FP32', shape: [1, 3], data: new Float32Array([-1, 0, 0]) },
    ];
    const results = await Promise.allSettled([
      scheduler.submit(rows(1, 0), ['y']),
      scheduler.submit(rows(1, 1), ['y']),
      scheduler.submit(bad, ['y']),
      scheduler.submit(rows(2, 2), ['y']),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
  });

  it('drain() waits for queued and running work, then refuses new requests', async () => {
    const model = fakeModel();
    const scheduler = new Scheduler([model.runner], config(), true, recorder().observer);
    model.hold();
    const work = [scheduler.submit(rows(1, 0), ['y']), scheduler.submit(rows(1, 1), ['y'])];
    let drained = false;
    const draining = scheduler.drain().then(() => {
      drained = true;
    });
    await new Promise((r) => setTimeout(r, 5));
    expect(drained).toBe(false);
    await expect(scheduler.submit(rows(1, 2), ['y'])).rejects.toThrow('draining');
    model.release();
    await Promise.all(work);
    await draining;
    expect(drained).toBe(true);
  });
});

/**
 * The real-time smoke test of load shedding: admission itself is tested on a controlled clock in
 * admission.test.ts; this checks the scheduler feeds it real executions. Its bounds are coarse.
 */
describe('load shedding by deadline', () => {
  /** A model that takes `ms` per execution, whatever the batch. */
  const slowModel =
    (ms: number): InstanceRunner =>
    async (inputs) => {
      await new Promise((r) => setTimeout(r, ms));
      const x = inputs[0]!;
      return [{ name: 'y', datatype: 'FP32', shape: [...x.shape], data: new Float32Array(x.data.length) }];
    };

  it('refuses at once (429 QUEUE_FULL) what the queue cannot reach before its deadline, and finishes the rest in time', async () => {
    const { observer, outcomes } = recorder();
    const s = new Scheduler(
      [slowModel(20)],
      { ...SERVING_DEFAULTS, maxBatchSize: 1, maxQueue: 1000, timeoutMs: 110 },
      true,
      observer,
    );
    // Learn the execution time (the estimate is off until a few runs are measured).
    for (let i = 0; i < 8; i++) await s.submit(rows(1, i), ['y']);
    outcomes.length = 0;
    const started = performance.now();
    const settled = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        s.submit(rows(1, i), ['y']).then(() => performance.now() - started),
      ),
    );
    const done = settled.filter((r) => r.status === 'fulfilled');
    const refused = settled.filter((r) => r.status === 'rejected');
    // ~20 ms each within 110 ms: about 4 fit (one running plus the queue ahead), never all 20.
    expect(done.length).toBeGreaterThanOrEqual(2);
    expect(done.length).toBeLessThanOrEqual(6);
    for (const r of refused) {
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ModelGardenError);
      expect((r as PromiseRejectedResult).reason.code).toBe('QUEUE_FULL');
      expect((r as PromiseRejectedResult).reason.message).toMatch(/deadline/);
    }
    expect(outcomes.filter((o) => o === 'timeout')).toEqual([]); // nothing admitted then timed out
    expect(outcomes.filter((o) => o === 'success')).toHaveLength(done.length);
  });
});
