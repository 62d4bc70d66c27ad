import { describe, expect, it } from 'vitest';
import type { ModelVersion } from '../registry/types.js';
import { kneeOf } from './batch-curve.js';
import { ManualClock } from './clock.js';
import { warmUpInputs } from './onnx-runner.js';
import { ServingTuner } from './serving-tuner.js';
import type { DecodedTensor } from './tensor-codec.js';

/** A model whose run of `rows` rows takes `costMs(rows)` on the tuner's clock. */
function modelOn(clock: ManualClock, costMs: (rows: number) => number) {
  return async (inputs: DecodedTensor[]) => {
    clock.advance(costMs(inputs[0]!.shape[0]!));
    return [];
  };
}

const inputsOf =
  (...rowShape: number[]) =>
  (rows: number): DecodedTensor[] => {
    const shape = [rows, ...rowShape];
    return [{ name: 'x', datatype: 'FP32', shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) }];
  };

const byName = (tuner: ServingTuner) => Object.fromEntries(tuner.decisions.map((d) => [d.setting, d]));

/**
 * A tuner after its warm-up sweep of a model costing `costMs` per run. `redecide`: it decides again
 * whenever it says it is due, as its owner (the model manager) does under live traffic.
 */
async function swept(
  costMs: (rows: number) => number,
  cores = 2,
  batchable = true,
  { rowShape = [4], redecide = false }: { rowShape?: number[]; redecide?: boolean } = {},
) {
  const clock = new ManualClock();
  const tuner: ServingTuner = new ServingTuner(
    batchable,
    cores,
    clock,
    redecide ? () => tuner.decide({}) : undefined,
    () => clock.now(),
  );
  await tuner.sweep(modelOn(clock, costMs), inputsOf(...rowShape), ['y']);
  return { clock, tuner };
}

describe('serving tuner (on a controlled clock)', () => {
  it('batches a model whose batches are cheap per row, inline with one thread', async () => {
    // iris-like: a fixed cost per call, next to nothing per row.
    const { tuner } = await swept((rows) => 0.05 + 0.002 * rows);
    expect(tuner.decide({})).toEqual({
      executor: 'inline',
      instances: 1,
      intraOpThreads: 1,
      maxBatchSize: 32,
    });
    const d = byName(tuner);
    expect(d.executor!.reason).toMatch(/0\.05 ms/);
    expect(d.maxBatchSize!.source).toBe('tuned');
    expect(d.maxBatchSize!.reason).toMatch(/knee of the batch curve/);
    expect(tuner.view().curve.map((p) => p.rows)).toEqual([1, 2, 4, 8, 16, 32]);
  });

  it('does not batch a model whose cost grows with every row', async () => {
    // 1.5 ms per row, nothing saved by stacking rows: a batch only adds waiting.
    const { tuner } = await swept((rows) => 1.5 * rows);
    const tuned = tuner.decide({});
    expect(tuned.maxBatchSize).toBe(1);
    expect(tuned.executor).toBe('inline');
    expect(byName(tuner).maxBatchSize!.reason).toMatch(/larger batches add latency, not throughput/);
  });

  it('moves a model too heavy for the event loop to worker threads, one per core, one thread each', async () => {
    // A CNN-like 25 ms a run, batching gains ~10 %.
    const { tuner } = await swept((rows) => 25 * rows * (rows > 1 ? 0.9 : 1), 2);
    const tuned = tuner.decide({});
    expect(tuned).toMatchObject({ executor: 'worker', instances: 2, intraOpThreads: 1 });
    expect(tuned.maxBatchSize).toBeLessThanOrEqual(2);
    expect(byName(tuner).executor!.reason).toMatch(/25\.0 ms .*worker threads/);
    expect(byName(tuner).intraOpThreads!.reason).toMatch(/2 instances × 1 thread = 2 of 2 cores/);
    // The sweep stopped within its budget instead of running batch 32 (800 ms a run).
    expect(Math.max(...tuner.view().curve.map((p) => p.rows))).toBeLessThan(32);
    // More cores: at most four instances, the cores shared out as threads.
    const big = await swept((rows) => 25 * rows, 16);
    expect(big.tuner.decide({})).toMatchObject({ executor: 'worker', instances: 4, intraOpThreads: 4 });
  });

  it('is not fooled by a busy machine at load: a run counts the least of its wall and CPU time', async () => {
    // A light model (0.3 ms of CPU a run) whose runs take 20 ms of wall time while other work runs.
    const clock = new ManualClock();
    let cpu = 0;
    const tuner = new ServingTuner(true, 2, clock, undefined, () => cpu);
    const busy = async (inputs: DecodedTensor[]) => {
      cpu += 0.3 + 0.01 * inputs[0]!.shape[0]!;
      clock.advance(20);
      return [];
    };
    await tuner.sweep(busy, inputsOf(256), ['y']);
    expect(tuner.decide({}).executor).toBe('inline');
  });

  it('lets an explicit serving config (or the engine option) win, and says so', async () => {
    const { tuner } = await swept((rows) => 25 * rows);
    const tuned = tuner.decide({ executor: 'inline', maxBatchSize: 8 });
    expect(tuned.executor).toBeUndefined();
    expect(tuned.maxBatchSize).toBeUndefined();
    // Inline by choice: one instance, one thread (a pool would spin against the event loop).
    expect(tuned).toMatchObject({ instances: 1, intraOpThreads: 1 });
    const d = byName(tuner);
    expect(d.executor).toMatchObject({ value: 'inline', source: 'explicit' });
    expect(d.maxBatchSize).toMatchObject({ value: 8, source: 'explicit' });
    tuner.decide({}, { intraOpThreads: 3 });
    expect(byName(tuner).intraOpThreads).toMatchObject({ value: 3, source: 'explicit' });
    expect(tuner.tuned.intraOpThreads).toBeUndefined();
  });

  it('measures live batches of the real request shape and asks to decide again', async () => {
    // A detector with dynamic spatial dimensions: nothing to sweep at load; its requests are 224×224.
    const clock = new ManualClock();
    let due = 0;
    const tuner = new ServingTuner(true, 2, clock, () => due++);
    expect(tuner.decide({}).executor).toBeUndefined();
    expect(byName(tuner).executor!.source).toBe('default');
    const request = inputsOf(3, 224, 224)(1);
    for (let i = 0; i < 8; i++) tuner.observe(request, 1, 30);
    expect(due).toBe(1); // the first decision comes after a few executions
    expect(tuner.decide({}).executor).toBe('worker');
    expect(tuner.view().shape).toEqual([3, 224, 224]);
    // Later decisions wait for 64 more executions and a second.
    for (let i = 0; i < 64; i++) tuner.observe(request, 1, 30);
    expect(due).toBe(1);
    clock.advance(1_000);
    for (let i = 0; i < 64; i++) tuner.observe(request, 1, 30);
    expect(due).toBe(2);
  });

  it('moves a light model to workers when under load its runs take much of the time, and back when the load goes', () => {
    // The wide MLP under 64 clients: 1 ms a batch, but batches back to back (HTTP-bound).
    const clock = new ManualClock();
    const tuner = new ServingTuner(true, 2, clock);
    const request = inputsOf(256)(32);
    tuner.decide({});
    for (let i = 0; i < 400; i++) {
      tuner.observe(request, 32, 1);
      clock.advance(2.5); // runs take 40 % of the time
    }
    expect(tuner.decide({}).executor).toBe('worker');
    expect(byName(tuner).executor!.reason).toMatch(/40 % of the time/);
    // Light traffic: a run now and then (5 % of the time) — back on the event loop.
    for (let i = 0; i < 50; i++) {
      tuner.observe(request, 32, 1);
      clock.advance(20);
    }
    expect(tuner.decide({}).executor).toBe('inline');
  });

  /**
   * Two worker instances busy back to back with requests waiting: each step both run a batch of the
   * cap the tuner chose, taking `poolMs(cap)` (what a run costs while the other instance runs too).
   */
  function loadedPool(tuner: ServingTuner, clock: ManualClock, poolMs: (rows: number) => number) {
    const request = inputsOf(3, 224, 224)(1);
    return (seconds: number) => {
      const end = clock.now() + seconds * 1000;
      while (clock.now() < end) {
        const cap = tuner.tuned.maxBatchSize ?? 32;
        const ms = poolMs(cap);
        clock.advance(ms);
        tuner.observe(request, cap, ms, 28);
        tuner.observe(request, cap, ms, 28);
      }
    };
  }

  it('checks the knee live by what all instances serve together: the detector gets batch 1', async () => {
    // One run at a time, batch 2 is 14 % cheaper per image than batch 1 (6.3 vs 10.9 ms for 2)…
    const { clock, tuner } = await swept((rows) => [0, 6.3, 10.9, 15][rows] ?? 5 * rows, 2, true, {
      rowShape: [3, 224, 224],
      redecide: true,
    });
    expect(tuner.decide({})).toMatchObject({ executor: 'worker', instances: 2, maxBatchSize: 2 });
    // …but with both workers busy, batch 1 serves 290 images/s and batch 2 226 (memory bandwidth).
    const run = loadedPool(tuner, clock, (rows) => (rows === 1 ? 6.9 : 17.7));
    run(2);
    expect(tuner.comparing).toBe(true);
    expect(byName(tuner).maxBatchSize!.reason).toMatch(/comparing live/);
    // Another model's turn: ten idle seconds in the middle of a window do not count as a slow cap.
    clock.advance(10_000);
    expect(tuner.comparisonEnded()).toBe(false);
    run(10);
    expect(tuner.comparing).toBe(false);
    expect(tuner.comparisonEnded()).toBe(true); // the owner logs the outcome once
    expect(tuner.comparisonEnded()).toBe(false);
    expect(tuner.tuned.maxBatchSize).toBe(1);
    expect(byName(tuner).maxBatchSize!.reason).toMatch(
      /measured live .* served 290 rows\/s at batch 1 and 22\d at 2 rows/,
    );
    // It holds between comparisons, and compares again a minute later.
    run(30);
    expect(tuner.tuned.maxBatchSize).toBe(1);
    let comparedAgain = false;
    for (let i = 0; i < 50; i++) {
      run(1);
      comparedAgain ||= tuner.comparing;
    }
    expect(comparedAgain).toBe(true);
    expect(tuner.tuned.maxBatchSize).toBe(1);
  });

  it('keeps the knee when live the larger batch serves clearly more', async () => {
    const { clock, tuner } = await swept((rows) => 2 + 1.5 * rows, 2, true, {
      rowShape: [3, 224, 224],
      redecide: true,
    });
    const knee = tuner.decide({}).maxBatchSize!;
    expect(knee).toBeGreaterThan(1);
    // Live the pool behaves like the sweep said: batching pays.
    const run = loadedPool(tuner, clock, (rows) => 2 + 1.5 * rows);
    const comparisonsStarted: number[] = [];
    const comparing: number[] = [];
    const watch = (seconds: number) => {
      for (let i = 0; i < seconds; i++) {
        const was = tuner.comparing;
        run(1);
        if (tuner.comparing && !was) comparisonsStarted.push(Math.round(clock.now() / 1000));
        if (tuner.comparing) comparing.push(Math.round(clock.now() / 1000));
      }
    };
    watch(15);
    expect(tuner.comparing).toBe(false);
    expect(tuner.tuned.maxBatchSize).toBe(knee);
    expect(byName(tuner).maxBatchSize!.reason).toMatch(
      /measured live with requests waiting: \d+ rows served/,
    );
    // Batch 1 lost clearly after one window each: the comparison ended early, and each time the
    // knee wins again the next comparison waits twice as long (60 s, 120 s, …).
    expect(comparing.length).toBeLessThanOrEqual(3); // seconds spent comparing: not four windows
    watch(400);
    const gaps = comparisonsStarted.slice(1).map((t, i) => t - comparisonsStarted[i]!);
    expect(gaps.length).toBeGreaterThanOrEqual(2);
    expect(gaps[0]!).toBeGreaterThanOrEqual(60);
    expect(gaps[0]!).toBeLessThan(66);
    expect(gaps[1]!).toBeGreaterThanOrEqual(120);
    expect(gaps[1]!).toBeLessThan(126);
  });

  it('does not compare caps where the instances idle (HTTP-bound) or a batch is free', () => {
    // The wide MLP in workers: 1.5 ms a batch of 32, the instances busy 20 % of the time.
    const clock = new ManualClock();
    const tuner: ServingTuner = new ServingTuner(true, 2, clock, () => tuner.decide({}));
    const request = inputsOf(256)(32);
    for (let i = 0; i < 2000; i++) {
      tuner.observe(request, 32, 1.5, 10);
      clock.advance(3.75);
    }
    expect(tuner.comparing).toBe(false);
    expect(tuner.tuned.maxBatchSize).toBe(32);
  });

  it('is not moved back inline by a pause in traffic, and ignores the executions of replaced sessions', () => {
    const clock = new ManualClock();
    const tuner = new ServingTuner(true, 2, clock);
    const request = inputsOf(256)(32);
    const busy = (n: number) => {
      for (let i = 0; i < n; i++) {
        tuner.observe(request, 32, 1);
        clock.advance(2.5); // runs take 40 % of the time
      }
    };
    busy(400);
    expect(tuner.decide({}).executor).toBe('worker');
    // Ten idle seconds (another model's turn), then the same load again.
    clock.advance(10_000);
    busy(400);
    expect(tuner.decide({}).executor).toBe('worker');
    // New sessions: until they are measured the decisions hold; the old sessions' runs do not count.
    const generation = tuner.sessionsChanged();
    expect(tuner.decide({}).executor).toBe('worker');
    tuner.observe(request, 32, 50, 0, generation - 1);
    expect(tuner.view().curve).toEqual([]);
    tuner.observe(request, 32, 1, 0, generation);
    expect(tuner.view().curve.map((p) => p.rows)).toEqual([32]);
  });

  it('keeps the commonest shapes of a model with dynamic dimensions, not every one it saw', () => {
    const tuner = new ServingTuner(true, 2, new ManualClock());
    const common = inputsOf(3, 224, 224)(1);
    for (let i = 0; i < 10; i++) tuner.observe(common, 1, 5);
    for (let size = 1; size <= 100; size++) tuner.observe(inputsOf(3, size, size)(1), 1, 1);
    expect(tuner.view().shape).toEqual([3, 224, 224]);
  });

  it('keeps adapting: a model that got cheap comes back inline, with hysteresis at the threshold', async () => {
    const clock = new ManualClock();
    const tuner = new ServingTuner(true, 2, clock);
    const request = inputsOf(8)(1);
    for (let i = 0; i < 8; i++) tuner.observe(request, 1, 3);
    expect(tuner.decide({}).executor).toBe('worker');
    // Contention only adds to a run: the least run is what counts, not a slow moment.
    for (let i = 0; i < 8; i++) tuner.observe(request, 1, 40);
    expect(tuner.view().singleRunMs).toBe(3);
    // 1.5 ms: under the 2 ms threshold, but not under 1 ms: it stays in workers.
    for (let i = 0; i < 200; i++) tuner.observe(request, 1, 1.5);
    expect(tuner.decide({}).executor).toBe('worker');
    for (let i = 0; i < 200; i++) tuner.observe(request, 1, 0.3);
    expect(tuner.decide({}).executor).toBe('inline');
  });

  it('finds the knee, and asks to measure further when the curve still rises at its end', () => {
    const pts = (ms: number[]) => ms.map((m, i) => ({ rows: 2 ** i, ms: m, avgMs: m, samples: 1 }));
    // 1: 10 ms, 2: 11, 4: 12, 8: 13 → 8 is clearly best (615 rows/s) and the largest measured: try 16.
    expect(kneeOf(pts([10, 11, 12, 13]), 32)?.maxBatchSize).toBe(16);
    // A flat curve whose noise makes the largest batch the best by a little: no reason to grow.
    expect(kneeOf(pts([10, 20.5, 41, 79]), 32)?.maxBatchSize).toBe(1);
    // 4 rows within 5 % of the best (8): the smaller batch.
    expect(kneeOf(pts([10, 11, 14, 27, 60]), 32)?.maxBatchSize).toBe(4);
    expect(kneeOf([], 32)).toBeUndefined();
    // A heavy model (runs over 10 ms): a larger batch must pay 15 %; 4 rows are 10 % better than 1 here.
    const heavy = pts([30, 60, 109.2, 250]);
    expect(kneeOf(heavy, 32)?.maxBatchSize).toBe(1);
  });
});

describe('warm-up inputs', () => {
  const version = (over: Partial<ModelVersion>) =>
    ({ inputs: [], preprocessing: null, ...over }) as ModelVersion;

  it('warms an image model on its preprocessing size, not on 1×1', () => {
    const detector = version({
      inputs: [{ name: 'image', datatype: 'FP32', shape: [-1, 3, -1, -1] }],
      preprocessing: {
        type: 'image',
        width: 224,
        height: 224,
        channels: 3,
        layout: 'NCHW',
        scale: 1 / 255,
        mean: [0, 0, 0],
        std: [1, 1, 1],
        invert: false,
        cropToContent: false,
      },
    });
    expect(warmUpInputs(detector, 4)?.[0]?.shape).toEqual([4, 3, 224, 224]);
  });

  it('leaves a dynamic non-batch dimension to the first real request instead of guessing 1', () => {
    const dynamic = version({ inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 3, -1, -1] }] });
    expect(warmUpInputs(dynamic)).toBeUndefined();
    const tabular = version({ inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }] });
    expect(warmUpInputs(tabular, 2)?.[0]?.shape).toEqual([2, 4]);
  });
});
