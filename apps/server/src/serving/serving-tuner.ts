/**
 * Serving that tunes itself: per loaded version, measures executions on real request shapes (a
 * warm-up sweep of batch sizes on the shape the version declares or preprocesses to, then every live
 * batch) and chooses what an operator would otherwise tune — the executor, instances × intra-op
 * threads that fit the machine's cores, maxBatchSize at the knee of the batch curve — with the reason
 * for each. A setting in the version's serving config always wins. It reads time only from its clock.
 */
import type { z } from 'zod';
import type { tuningDecisionSchema, tuningViewSchema } from '../contract/serving-config-schemas.js';
import type { ServingConfig } from '../registry/types.js';
import { BatchCapTrial, type TrialResult } from './batch-cap-trial.js';
import {
  BatchCurve,
  FREE_BATCH_MS,
  KNEE_TOLERANCE,
  type Knee,
  kneeOf,
  rowsPerSecond,
} from './batch-curve.js';
import type { Clock } from './clock.js';
import type { EffectiveServingConfig } from './serving-config.js';
import type { DecodedTensor } from './tensor-codec.js';

/** Runs one set of feeds (the shape of scheduler.ts's InstanceRunner). */
type Runner = (inputs: DecodedTensor[], outputNames: string[]) => Promise<unknown>;

export type TunedSetting = TuningDecision['setting'];

/** One choice of the tuner with its reason (the contract's schema: the API shows it as it is). */
export type TuningDecision = z.infer<typeof tuningDecisionSchema>;

/** What the API shows of the tuner: the measurements and each decision with its reason. */
export type TuningView = z.infer<typeof tuningViewSchema>;

/** Above this a request's run moves to worker threads (it would hold the event loop). */
export const WORKER_ABOVE_MS = 2;
/**
 * …and so does a model whose runs take more than this share of the time under load (the share of
 * the event loop's time they take when inline): a light model under heavy traffic, HTTP-bound, gains
 * from computing beside the event loop instead of on it (the wide MLP at 64 clients: workers 2 × 1
 * served 1.24–1.29× inline's requests). It comes back inline below the lower share.
 */
export const WORKER_ABOVE_SHARE = 0.3;
export const INLINE_BELOW_SHARE = 0.15;
/** A window shorter than this gives no share. */
const SHARE_WINDOW_MIN_MS = 500;
/** …and back on the event loop only below this (hysteresis: no flapping at the threshold). */
export const INLINE_BELOW_MS = 1;
export const MAX_TUNED_INSTANCES = 4;
/** The largest batch the tuner measures or allows. */
export const MAX_TUNED_BATCH = 32;
/** Executions between two decisions, and the least time between them. */
const DECIDE_EVERY = 64;
const DECIDE_MIN_MS = 1_000;
const FIRST_DECISION_AFTER = 8;
/**
 * A pause longer than this between one execution's end and the next one's start (no traffic) starts
 * the measurement windows afresh: a burst after an idle minute is not judged by the idle minute.
 */
export const IDLE_GAP_MS = 250;
/**
 * A batch cap is compared live against batch 1 when the instances were busy at least this share of
 * the time (pool-bound: what a batch costs per row decides; below it the event loop's per-request work
 * does, which only a larger batch can save)…
 */
export const TRIAL_BUSY_SHARE = 0.5;
/**
 * …and again this long after the last comparison (the traffic, and the machine, change); each time
 * the same cap wins the wait doubles, up to eight times this.
 */
export const TRIAL_EVERY_MS = 60_000;
/** Input shapes measured at once (the rest are forgotten, rarest first). */
const MAX_SHAPES = 16;
/** The warm-up sweep stops after this much compute, or before a run expected to take longer than the second. */
const SWEEP_BUDGET_MS = 400;
const SWEEP_RUN_LIMIT_MS = 150;

interface ShapeStats {
  rowShape: number[];
  curve: BatchCurve;
  executions: number;
}

function processCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

const fmt = (ms: number) => (ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

export class ServingTuner {
  private readonly shapes = new Map<string, ShapeStats>();
  private lastDims: readonly number[] | undefined;
  private lastStats: ShapeStats | undefined;
  private sinceDecision = 0;
  private lastDecisionAt = Number.NEGATIVE_INFINITY;
  private executions = 0;
  /** Compute time of the live executions since the window began (for the runs' share of time). */
  private windowComputeMs = 0;
  private windowStartedAt: number;
  /** The runs' share of wall time in the last long enough window; undefined before one. */
  private share: number | undefined;
  /** Whether the last decision had measurements to go on. */
  private measuredAtDecision = false;
  private tunedValues: Partial<EffectiveServingConfig> = {};
  private decided: TuningDecision[] = [];
  /** Sessions are numbered: the executions of sessions being replaced are not measured. */
  private generation = 0;
  /** When the latest execution ended (an idle gap restarts the windows). */
  private lastEndAt = Number.NEGATIVE_INFINITY;
  /** The live comparison of batch caps in progress, its last outcome and when it ended. */
  private trial: BatchCapTrial | undefined;
  private trialResult: TrialResult | undefined;
  private trialEndedAt = Number.NEGATIVE_INFINITY;
  private trialEvery = TRIAL_EVERY_MS;
  /** Set when a comparison ends, until the owner has logged its outcome. */
  private trialEnded = false;

  /**
   * @param onDue called (at most every 64 executions and a second) when new measurements may change a
   *   decision; the owner calls decide() and applies what changed
   */
  /**
   * @param cpuMs the process's CPU time in ms (process.cpuUsage()); the sweep takes the least of a
   *   run's wall and CPU time. Tests give a clock-driven one.
   */
  constructor(
    private readonly batchable: boolean,
    readonly cores: number,
    private readonly clock: Clock,
    private readonly onDue: () => void = () => {},
    private readonly cpuMs: () => number = processCpuMs,
  ) {
    this.windowStartedAt = clock.now();
  }

  /** The tuned settings (without the explicit ones, which the owner lays over them). */
  get tuned(): Partial<EffectiveServingConfig> {
    return this.tunedValues;
  }

  get decisions(): TuningDecision[] {
    return this.decided;
  }

  /**
   * Measures batch sizes 1, 2, 4, … 32 (1 only for a model that cannot batch) on inputs of one shape,
   * the least of two timed runs after an untimed one, within a small compute budget. A model that
   * rejects the inputs is left unmeasured (live batches measure it).
   */
  async sweep(
    run: Runner,
    inputsFor: (rows: number) => DecodedTensor[],
    outputNames: string[],
  ): Promise<void> {
    const sizes = this.batchable ? [1, 2, 4, 8, 16, 32] : [1];
    let spent = 0;
    for (const rows of sizes) {
      const inputs = inputsFor(rows);
      const stats = this.statsOf(inputs);
      if (stats === undefined) return;
      let best = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 3; i++) {
        const started = this.clock.now();
        const cpu = this.cpuMs();
        try {
          await run(inputs, outputNames);
        } catch {
          return;
        }
        // At load nothing else runs in the process: its CPU time is the run's, and unlike the wall
        // time it does not grow while the machine is busy with other work (the least of the two).
        const ms = Math.min(this.clock.now() - started, this.cpuMs() - cpu);
        spent += ms;
        if (i === 0) continue; // a new shape allocates on its first run
        best = Math.min(best, ms);
        if (ms > 20) break; // a slow run is steady enough once
      }
      stats.curve.set(rows, best);
      if (spent > SWEEP_BUDGET_MS || best * 2 > SWEEP_RUN_LIMIT_MS) return;
    }
  }

  /**
   * New sessions (another executor, instance count or thread count) start measuring afresh: what a
   * run costs depends on them. The decisions hold until the new sessions are measured. Returns the
   * sessions' number, for observe().
   */
  sessionsChanged(): number {
    this.shapes.clear();
    this.lastDims = undefined;
    this.lastStats = undefined;
    this.trial = undefined;
    this.trialResult = undefined;
    this.trialEndedAt = Number.NEGATIVE_INFINITY;
    this.trialEvery = TRIAL_EVERY_MS;
    return ++this.generation;
  }

  /** True while batch caps are being compared live (each switch is not worth a log line). */
  get comparing(): boolean {
    return this.trial !== undefined;
  }

  /** Whether a live comparison of batch caps ended since the last call (its outcome is worth a log line). */
  comparisonEnded(): boolean {
    const ended = this.trialEnded;
    this.trialEnded = false;
    return ended;
  }

  /**
   * A live batch of `rows` rows (its first request's inputs given) took `ms`; `waiting` requests were
   * still queued when it started. `generation` is the sessions' number (sessionsChanged()): the
   * executions of older sessions, still draining, are not measured.
   */
  observe(
    inputs: DecodedTensor[],
    rows: number,
    ms: number,
    waiting = 0,
    generation = this.generation,
  ): void {
    if (generation !== this.generation) return;
    const stats = this.statsOf(inputs);
    if (stats === undefined) return;
    const now = this.clock.now();
    if (now - ms - this.lastEndAt > IDLE_GAP_MS) {
      // Traffic (re)starts: the share of time, and a comparison's window, are measured from here,
      // not across the pause.
      this.windowComputeMs = 0;
      this.windowStartedAt = now - ms;
      this.trial?.restartWindow();
    }
    this.lastEndAt = Math.max(this.lastEndAt, now);
    stats.curve.record(rows, ms);
    stats.executions++;
    this.windowComputeMs += ms;
    this.executions++;
    if (this.trial !== undefined) {
      const step = this.trial.record(rows, waiting, now);
      if (step === 'done' || step === 'gave-up') {
        const result = step === 'done' ? this.trial.result() : undefined;
        const same = result !== undefined && result.cap === this.trialResult?.cap;
        this.trialEvery = same ? Math.min(this.trialEvery * 2, 8 * TRIAL_EVERY_MS) : TRIAL_EVERY_MS;
        this.trialResult = result;
        this.trial = undefined;
        this.trialEndedAt = now;
        this.trialEnded = true;
      }
      if (step !== 'same') {
        this.sinceDecision = 0;
        this.onDue();
        return;
      }
    }
    // Until something was measured (a shape known only from requests), decide after a few executions.
    const measured = this.measuredAtDecision;
    if (++this.sinceDecision < (measured ? DECIDE_EVERY : FIRST_DECISION_AFTER)) return;
    const t = this.clock.now();
    if (measured && t - this.lastDecisionAt < DECIDE_MIN_MS) return;
    this.sinceDecision = 0;
    this.lastDecisionAt = t;
    this.onDue();
  }

  /**
   * Chooses every tunable setting the version's serving config leaves unset, from the curve of the
   * commonest shape; `engine` holds engine-wide options (an intra-op thread count set for the
   * process counts as explicit). Returns the tuned values.
   */
  decide(
    stored: ServingConfig,
    engine: Partial<EffectiveServingConfig> = {},
  ): Partial<EffectiveServingConfig> {
    const now = this.clock.now();
    this.lastDecisionAt = now;
    if (now - this.windowStartedAt >= SHARE_WINDOW_MIN_MS) {
      this.share = this.windowComputeMs / (now - this.windowStartedAt);
      this.windowComputeMs = 0;
      this.windowStartedAt = now;
    }
    const share = this.share;
    const stats = this.mainShape();
    const single = stats?.curve.singleRunMs();
    this.sinceDecision = 0;
    // New sessions not measured yet: what was decided from the old ones holds (their explicit
    // settings are laid over it by the owner).
    if (single === undefined && this.measuredAtDecision) return this.tunedValues;
    this.measuredAtDecision = single !== undefined;
    const decisions: TuningDecision[] = [];
    const tuned: Partial<EffectiveServingConfig> = {};
    const explicit = (
      setting: TunedSetting,
      value: number | string,
      reason = "set in the version's serving config",
    ) => decisions.push({ setting, value, source: 'explicit', reason });

    // Executor: worker threads for a run that would hold the event loop.
    let executor: 'inline' | 'worker';
    if (stored.executor !== undefined) {
      executor = stored.executor;
      explicit('executor', executor);
    } else if (single === undefined) {
      executor = 'inline';
      decisions.push({
        setting: 'executor',
        value: executor,
        source: 'default',
        reason: 'not measured yet (the request shape is known from the first request): inline until measured',
      });
    } else {
      const wasWorker = this.tunedValues.executor === 'worker';
      const heavy = wasWorker ? single >= INLINE_BELOW_MS : single > WORKER_ABOVE_MS;
      const busy =
        share !== undefined && (wasWorker ? share >= INLINE_BELOW_SHARE : share > WORKER_ABOVE_SHARE);
      executor = heavy || busy ? 'worker' : 'inline';
      tuned.executor = executor;
      const pct = share === undefined ? '' : `; runs took ${Math.round(share * 100)} % of the time`;
      decisions.push({
        setting: 'executor',
        value: executor,
        source: 'tuned',
        reason: heavy
          ? `one request's run takes ${fmt(single)} ms (over ${WORKER_ABOVE_MS} ms): in worker threads the event loop keeps serving, and refusing, while onnxruntime computes`
          : busy
            ? `under load the runs take ${Math.round(share! * 100)} % of the time (over ${WORKER_ABOVE_SHARE * 100} %): in worker threads they compute beside the event loop's HTTP work instead of on it`
            : `one request's run takes ${fmt(single)} ms (${wasWorker ? `under ${INLINE_BELOW_MS}` : `at most ${WORKER_ABOVE_MS}`} ms)${pct}: a worker's message round trip would cost more than it frees`,
      });
    }

    // Instances × intra-op threads within the machine's cores.
    let instances: number;
    if (stored.instances !== undefined) {
      instances = stored.instances;
      explicit('instances', instances);
    } else if (executor === 'inline') {
      instances = 1;
      tuned.instances = 1;
      decisions.push({
        setting: 'instances',
        value: 1,
        source: 'tuned',
        reason: "inline sessions share the event loop's thread: more instances would add no parallelism",
      });
    } else {
      instances = Math.max(1, Math.min(this.cores, MAX_TUNED_INSTANCES));
      tuned.instances = instances;
      decisions.push({
        setting: 'instances',
        value: instances,
        source: 'tuned',
        reason: `one worker instance per core (${this.cores} cores from os.availableParallelism(), at most ${MAX_TUNED_INSTANCES}): instances run in parallel`,
      });
    }
    if (stored.intraOpThreads !== undefined) explicit('intraOpThreads', stored.intraOpThreads);
    else if (engine.intraOpThreads) {
      explicit(
        'intraOpThreads',
        engine.intraOpThreads,
        "set for the whole engine (the server's intra-op thread option)",
      );
    } else {
      const kneeRun = stats === undefined ? undefined : this.runAtKnee(stats);
      let threads: number;
      let reason: string;
      if (executor === 'worker') {
        threads = Math.max(1, Math.floor(this.cores / instances));
        reason = `${instances} instance${instances > 1 ? 's' : ''} × ${threads} thread${threads > 1 ? 's' : ''} = ${instances * threads} of ${this.cores} cores: every core computes, none is oversubscribed (2×2 threads on 2 cores ran at 0.6× of 2×1)`;
      } else {
        // Bench 2, the wide MLP inline at batch 32 on the busy 2-core VM, one thread against
        // onnxruntime's default pool in four runs: 3.6×, 2.0×, 0.89×, 0.56× (geometric mean 1.4×).
        threads = 1;
        reason =
          kneeRun === undefined
            ? "inline: one thread, so no spinning pool competes with the event loop's HTTP work"
            : `inline (a batch runs in ${fmt(kneeRun)} ms): one thread, as a pool's threads spin between runs on the cores the event loop's HTTP work needs (measured on the wide MLP: 0.56–3.6× the default pool's throughput, 1.4× in the mean)`;
      }
      tuned.intraOpThreads = threads;
      decisions.push({ setting: 'intraOpThreads', value: threads, source: 'tuned', reason });
    }

    // maxBatchSize at the knee of the batch curve.
    if (stored.maxBatchSize !== undefined) explicit('maxBatchSize', stored.maxBatchSize);
    else if (!this.batchable) {
      decisions.push({
        setting: 'maxBatchSize',
        value: MAX_TUNED_BATCH,
        source: 'default',
        reason: 'the model has no dynamic batch dimension on every input and output: each request runs alone',
      });
    } else {
      const knee = stats === undefined ? undefined : kneeOf(stats.curve.sorted(), MAX_TUNED_BATCH);
      if (knee === undefined) {
        decisions.push({
          setting: 'maxBatchSize',
          value: MAX_TUNED_BATCH,
          source: 'default',
          reason: 'not measured yet: greedy batching up to the default',
        });
      } else {
        const { value, reason } = this.liveCap(knee, stats!, now, share, instances);
        tuned.maxBatchSize = value;
        decisions.push({ setting: 'maxBatchSize', value, source: 'tuned', reason });
      }
    }
    this.tunedValues = tuned;
    this.decided = decisions;
    return tuned;
  }

  /**
   * The knee of the curve, checked against batch 1 by what all instances together serve: while the
   * instances are busy most of the time and a batch at the knee costs latency (over FREE_BATCH_MS),
   * the two caps run in turns on live traffic (batch-cap-trial.ts) and batch 1 wins unless the knee
   * serves over 5 % more; the outcome holds until the next comparison, a minute later.
   */
  private liveCap(
    knee: Knee,
    stats: ShapeStats,
    now: number,
    share: number | undefined,
    instances: number,
  ): { value: number; reason: string } {
    const k = knee.maxBatchSize;
    const all = `all ${instances} instance${instances > 1 ? 's' : ''}`;
    if (this.trial === undefined) {
      const busy = share !== undefined && share / instances >= TRIAL_BUSY_SHARE;
      const kneeRun = this.runAtKnee(stats);
      const due = now - this.trialEndedAt >= this.trialEvery;
      if (k > 1 && busy && kneeRun !== undefined && kneeRun > FREE_BATCH_MS && due)
        this.trial = new BatchCapTrial([k, 1], KNEE_TOLERANCE);
    }
    if (this.trial !== undefined) {
      const [a, b] = this.trial.caps;
      return {
        value: this.trial.current,
        reason: `comparing live, by the rows per second ${all} serve together: ${a} rows (the knee of the batch curve, measured one run at a time) against ${b}; now running ${this.trial.current}`,
      };
    }
    const r = this.trialResult;
    if (r === undefined) return { value: k, reason: knee.reason };
    const [rk, r1] = r.rowsPerSecond.map((x) => Math.round(x));
    if (r.cap === 1) {
      return {
        value: 1,
        reason: `1 row: measured live with requests waiting, ${all} together served ${r1} rows/s at batch 1 and ${rk} at ${r.caps[0]} rows (the knee of the batch curve, measured one run at a time): a larger batch adds latency, not throughput (compared again in ${Math.round(this.trialEvery / 1000)} s under load)`,
      };
    }
    return {
      value: k,
      reason:
        r.caps[0] === k
          ? `${knee.reason}; measured live with requests waiting: ${k} rows served ${rk} rows/s, batch 1 ${r1}`
          : knee.reason,
    };
  }

  view(): TuningView {
    const stats = this.mainShape();
    return {
      cores: this.cores,
      shape: stats?.rowShape ?? null,
      singleRunMs: stats?.curve.singleRunMs() ?? null,
      curve: (stats?.curve.sorted() ?? []).map((p) => ({
        rows: p.rows,
        ms: Math.round(p.ms * 1000) / 1000,
        avgMs: Math.round(p.avgMs * 1000) / 1000,
        rowsPerSecond: Math.round(rowsPerSecond(p)),
        samples: p.samples,
      })),
      executions: this.executions,
      decisions: this.decided,
    };
  }

  /** The run time at the batch size the knee picks (or the largest measured). */
  private runAtKnee(stats: ShapeStats): number | undefined {
    const points = stats.curve.sorted();
    const knee = kneeOf(points, MAX_TUNED_BATCH);
    const at = points.filter((p) => p.rows <= (knee?.maxBatchSize ?? MAX_TUNED_BATCH)).at(-1);
    return at?.ms;
  }

  /** The shape most live executions had (the sweep's shape until there are some). */
  private mainShape(): ShapeStats | undefined {
    let main: ShapeStats | undefined;
    for (const s of this.shapes.values()) {
      if (s.curve.size === 0) continue;
      if (main === undefined || s.executions > main.executions) main = s;
    }
    return main;
  }

  /** The statistics of the inputs' shape (the first input's non-batch dimensions), made on first sight. */
  private statsOf(inputs: DecodedTensor[]): ShapeStats | undefined {
    const dims = inputs[0]?.shape;
    if (dims === undefined || dims.length === 0) return undefined;
    if (this.lastStats !== undefined && sameRowShape(this.lastDims!, dims)) return this.lastStats;
    const key = dims.slice(1).join('x');
    let stats = this.shapes.get(key);
    if (stats === undefined) {
      // A model with dynamic dimensions sees many shapes: keep the commonest few.
      if (this.shapes.size >= MAX_SHAPES) {
        let rarest: string | undefined;
        for (const [k, s] of this.shapes)
          if (rarest === undefined || s.executions < this.shapes.get(rarest)!.executions) rarest = k;
        this.shapes.delete(rarest!);
      }
      stats = { rowShape: dims.slice(1), curve: new BatchCurve(), executions: 0 };
      this.shapes.set(key, stats);
    }
    this.lastDims = dims;
    this.lastStats = stats;
    return stats;
  }
}

function sameRowShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 1; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
