/**
 * One scheduler per loaded model version: a bounded queue shared by every protocol, a dynamic
 * batcher (up to `maxBatchSize` rows, waiting at most `maxQueueDelayMs`), per-request deadlines and
 * cancellation, and a pool of backend instances that each run one batch at a time. It ties together
 * admission control (admission.ts), batch formation (batch-formation.ts) and the deadline timer
 * (deadline-timer.ts), and owns the queue and the instances.
 */
import {
  context,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { ModelGardenError } from '../errors/model-garden-error.js';
import { tracer, tracingActive } from '../observability/tracing.js';
import { AdmissionController, type PoolState, type QueuedWork } from './admission.js';
import { formBatch, removeBatch, rowsBelow } from './batch-formation.js';
import { batchKey, mergeInputs, type RawOutput, splitOutputs } from './batching.js';
import { type Clock, performanceClock } from './clock.js';
import { DeadlineTimer } from './deadline-timer.js';
import type { EffectiveServingConfig } from './serving-config.js';
import type { DecodedTensor } from './tensor-codec.js';
import { tensorPool } from './tensor-pool.js';

/** Runs one set of feeds on one backend instance (e.g. an onnxruntime session). */
export type InstanceRunner = (inputs: DecodedTensor[], outputNames: string[]) => Promise<RawOutput[]>;

/** How a request ended; the engine's metrics count these. */
export type Outcome = 'success' | 'queue_full' | 'timeout' | 'invalid_input' | 'cancelled' | 'internal';

/** Receives the scheduler's measurements (wired to Prometheus by the composition root). */
export interface SchedulerObserver {
  pending(depth: number): void;
  executed(batchRequests: number, computeSeconds: number): void;
  finished(outcome: Outcome, queueSeconds: number | null, totalSeconds: number): void;
}

/** A queued or running request, as a cancellation registry holds it. */
export interface Cancellable {
  cancel(): void;
}

/** Lets the caller cancel a request (e.g. when its client disconnects). */
export interface CancelSignal {
  /**
   * Registers the request; may return the set it was added to, from which the scheduler deletes it
   * once the request has settled (so a long-lived connection does not collect old requests).
   */
  onCancel(request: Cancellable): Set<Cancellable> | undefined;
}

export interface SubmitOptions {
  /** This request's deadline in ms from now (already capped by the caller). */
  timeoutMs?: number | undefined;
  signal?: CancelSignal | undefined;
}

/** Thrown by submit() on a scheduler that is draining; the engine retries on a fresh load. */
export class SchedulerClosedError extends Error {}

/**
 * One request in the scheduler: a class with every field set in the constructor, cancelled through
 * a method rather than a closure made per request. With such a closure stored on the job, V8 kept
 * ~5x more of each young generation alive through scavenges (and promoted most of it), tripling
 * their cost, in one arrangement of the same statements and not in another, for reasons not pinned
 * down; this form measured like the good one (docs/performance.md, point 9).
 */
class Job implements Cancellable {
  startedAt = 0;
  state: 'queued' | 'running' | 'done' = 'queued';
  /** The caller's cancellation registry holding this job, left at settle(). */
  cancels: Set<Cancellable> | undefined = undefined;
  /** With tracing on: the request's span (batches link to it) and its queue-wait span. */
  trace: { request: SpanContext | undefined; queue: Span } | undefined = undefined;

  constructor(
    readonly inputs: DecodedTensor[],
    readonly outputNames: string[],
    readonly rows: number,
    readonly key: string | null,
    readonly enqueuedAt: number,
    /** performance.now() past which the request fails with DEADLINE_EXCEEDED. */
    readonly deadline: number,
    readonly resolve: (outputs: RawOutput[]) => void,
    readonly reject: (err: unknown) => void,
    private readonly onCancelled: (job: Job) => void,
  ) {}

  cancel(): void {
    this.onCancelled(this);
  }
}

interface Failure {
  error: unknown;
}

export class Scheduler implements PoolState {
  private jobs: Job[] = [];
  private readonly idle: InstanceRunner[];
  private pumpScheduled = false;
  private delayTimer: NodeJS.Timeout | undefined;
  /** The batches being executed, one per busy instance (their requests may still time out). */
  private readonly runningBatches = new Set<Job[]>();
  private readonly deadlines: DeadlineTimer;
  private readonly admission: AdmissionController;
  private closed = false;
  private drained: (() => void) | undefined;

  constructor(
    instances: InstanceRunner[],
    private config: EffectiveServingConfig,
    private readonly batchable: boolean,
    private readonly observer: SchedulerObserver,
    private readonly clock: Clock = performanceClock,
    /**
     * Told of every execution: its first request's inputs, its rows, its time and how many requests
     * were still queued when it started (the tuner's live curve and its comparison of batch caps).
     */
    private readonly onBatch?: (inputs: DecodedTensor[], rows: number, ms: number, waiting: number) => void,
  ) {
    this.idle = [...instances];
    this.admission = new AdmissionController(config, batchable, instances.length, clock);
    this.deadlines = new DeadlineTimer(clock, this.expire);
  }

  get depth(): number {
    return this.jobs.length;
  }

  /** The queued requests, oldest first (PoolState, for admission). */
  get queue(): readonly QueuedWork[] {
    return this.jobs;
  }

  /** Instances not running a batch now (PoolState, for admission). */
  get idleInstances(): number {
    return this.idle.length;
  }

  /** True once drain() began: submit() refuses with SchedulerClosedError. */
  get draining(): boolean {
    return this.closed;
  }

  get inFlight(): number {
    return this.runningBatches.size;
  }

  get settings(): EffectiveServingConfig {
    return this.config;
  }

  /**
   * Refuses a request of `rows` rows now if it would be refused for load (queue full, or the queue
   * would not reach it before `timeoutMs`, default the version's deadline, or past the queue target):
   * lets the HTTP layer refuse before it reads and decodes the body. A refusal is counted like the
   * scheduler's own.
   */
  refuseEarly(rows: number, timeoutMs: number = this.config.timeoutMs): boolean {
    return this.refusal(rows, timeoutMs) !== undefined;
  }

  /** The error for a request refused for load now, counted as `queue_full`; undefined to admit it. */
  private refusal(rows: number, timeoutMs: number): ModelGardenError | undefined {
    const why = this.admission.refusal(this, rows, timeoutMs);
    if (why === undefined) return undefined;
    this.observer.finished('queue_full', null, 0);
    return new ModelGardenError('QUEUE_FULL', why, {
      details: { retryAfterSeconds: this.admission.retryAfterSeconds(this.jobs.length) },
    });
  }

  /**
   * In a standing queue, refuses (429) the queued requests that already waited past the allowance
   * (admission.staleAfterMs) instead of running them late.
   */
  private dropStale(): void {
    const allowance = this.admission.staleAfterMs(this);
    if (allowance === undefined) return;
    const t = this.clock.now();
    const kept: Job[] = [];
    for (const job of this.jobs) {
      const waited = t - job.enqueuedAt;
      if (waited <= allowance) {
        kept.push(job);
        continue;
      }
      job.trace?.queue.setStatus({ code: SpanStatusCode.ERROR, message: 'dropped' });
      job.trace?.queue.end();
      this.settle(job, 'queue_full');
      job.reject(
        new ModelGardenError(
          'QUEUE_FULL',
          `The model is overloaded: this request waited ${Math.round(waited)} ms in a standing queue (sustained overload; target ${Math.ceil(allowance)} ms) and was dropped`,
          { details: { retryAfterSeconds: this.admission.retryAfterSeconds(this.jobs.length) } },
        ),
      );
    }
    this.jobs = kept;
    this.observer.pending(this.jobs.length);
  }

  /** Applies queue/batching settings at once (instances and threads need new sessions instead). */
  reconfigure(config: EffectiveServingConfig): void {
    this.config = config;
    this.admission.reconfigure(config);
    this.schedulePump();
  }

  /** Queues one request (its inputs in the model's input order) and resolves with its own outputs. */
  submit(inputs: DecodedTensor[], outputNames: string[], options: SubmitOptions = {}): Promise<RawOutput[]> {
    if (this.closed) return Promise.reject(new SchedulerClosedError('scheduler is draining'));
    const enqueuedAt = this.clock.now();
    const rows = inputs[0]?.shape[0] ?? 1;
    const timeoutMs = options.timeoutMs ?? this.config.timeoutMs;
    const refused = this.refusal(rows, timeoutMs);
    if (refused) return Promise.reject(refused);
    return new Promise<RawOutput[]>((resolve, reject) => {
      const job = new Job(
        inputs,
        outputNames,
        rows,
        this.batchable && this.config.maxBatchSize > 1 ? batchKey(inputs, outputNames) : null,
        enqueuedAt,
        enqueuedAt + timeoutMs,
        resolve,
        reject,
        this.cancelJob,
      );
      if (tracingActive()) {
        const parent = context.active();
        job.trace = {
          request: trace.getSpanContext(parent),
          queue: tracer().startSpan('queue wait', { attributes: { 'modelgarden.rows': job.rows } }, parent),
        };
      }
      this.deadlines.require(job.deadline);
      if (options.signal) job.cancels = options.signal.onCancel(job);
      this.admission.noteIfCaughtUp(this);
      this.jobs.push(job);
      this.observer.pending(this.jobs.length);
      this.schedulePump();
    });
  }

  /** Stops taking requests and resolves once everything queued or running has finished. */
  drain(): Promise<void> {
    this.closed = true;
    if (this.jobs.length === 0 && this.runningBatches.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.drained = resolve;
      this.schedulePump();
    });
  }

  private readonly cancelJob = (job: Job): void => this.abandon(job, 'cancelled');

  /** Ends a request early (deadline or client gone); queued work is removed, running work discarded. */
  private abandon(job: Job, outcome: 'timeout' | 'cancelled'): void {
    if (job.state === 'done') return;
    if (job.state === 'queued') {
      const i = this.jobs.indexOf(job);
      if (i >= 0) this.jobs.splice(i, 1);
      this.admission.noteIfCaughtUp(this);
      this.observer.pending(this.jobs.length);
      job.trace?.queue.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
      job.trace?.queue.end();
    }
    this.settle(job, outcome);
    job.reject(
      outcome === 'timeout'
        ? new ModelGardenError(
            'DEADLINE_EXCEEDED',
            'The request passed its deadline before its result was ready',
          )
        : new ModelGardenError('CANCELLED', 'The client went away; the request was dropped'),
    );
    this.checkDrained();
  }

  /** Fails every request past its deadline, then sets the timer for the next earliest one. */
  private readonly expire = (): void => {
    // A timer may fire a little early by performance.now(): allow a millisecond.
    const t = this.clock.now() + 1;
    let next = Number.POSITIVE_INFINITY;
    const late: Job[] = [];
    const visit = (job: Job) => {
      if (job.state === 'done') return;
      if (job.deadline <= t) late.push(job);
      else if (job.deadline < next) next = job.deadline;
    };
    for (const job of this.jobs) visit(job);
    for (const batch of this.runningBatches) for (const job of batch) visit(job);
    for (const job of late) this.abandon(job, 'timeout');
    if (next !== Number.POSITIVE_INFINITY) this.deadlines.require(next);
  };

  private settle(job: Job, outcome: Outcome): void {
    job.state = 'done';
    if (job.cancels) job.cancels.delete(job);
    const t = this.clock.now();
    const queued = job.startedAt > 0 ? (job.startedAt - job.enqueuedAt) / 1000 : null;
    this.observer.finished(outcome, queued, (t - job.enqueuedAt) / 1000);
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    // setImmediate lets every request parsed in this turn of the event loop join the batch.
    setImmediate(this.pump);
  }

  private readonly pump = (): void => {
    this.pumpScheduled = false;
    if (this.jobs.length > 0 && this.idle.length > 0) this.dropStale();
    while (this.idle.length > 0 && this.jobs.length > 0) {
      const delay = this.config.maxQueueDelayMs;
      if (delay > 0 && !this.closed) {
        const wait = this.jobs[0]!.enqueuedAt + delay - this.clock.now();
        if (wait > 0 && rowsBelow(this.jobs, this.config.maxBatchSize)) {
          if (!this.delayTimer) {
            this.delayTimer = setTimeout(() => {
              this.delayTimer = undefined;
              this.pump();
            }, wait);
          }
          return;
        }
      }
      const batch = formBatch(this.jobs, this.config.maxBatchSize);
      this.jobs = removeBatch(this.jobs, batch);
      const instance = this.idle.pop()!;
      this.admission.batchStarted(instance, this.clock.now());
      void this.execute(instance, batch, this.jobs.length);
    }
    this.checkDrained();
  };

  private async execute(instance: InstanceRunner, batch: Job[], waiting: number): Promise<void> {
    this.runningBatches.add(batch);
    const started = this.clock.now();
    let rows = 0;
    for (const job of batch) {
      rows += job.rows;
      job.state = 'running';
      job.startedAt = started;
      job.trace?.queue.end();
    }
    this.observer.pending(this.jobs.length);
    const span = batchSpan(batch);
    try {
      const results = await this.runBatch(instance, batch);
      const computeMs = this.clock.now() - started;
      this.admission.executed(computeMs);
      this.observer.executed(batch.length, computeMs / 1000);
      this.onBatch?.(batch[0]!.inputs, rows, computeMs, waiting);
      batch.forEach((job, i) => {
        if (job.state === 'done') return;
        const result = results[i]!;
        if (Array.isArray(result)) {
          this.settle(job, 'success');
          job.resolve(result);
          return;
        }
        const err = result.error;
        this.settle(job, err instanceof ModelGardenError && err.status < 500 ? 'invalid_input' : 'internal');
        job.reject(err);
      });
    } finally {
      span?.end();
      this.runningBatches.delete(batch);
      this.idle.push(instance);
      if (this.jobs.length > 0) this.schedulePump();
      else {
        this.admission.instanceIdle(instance);
        this.checkDrained();
      }
    }
  }

  /**
   * Runs a batch and splits its outputs. When the merged run fails, or the graph's outputs do not
   * follow the batch dimension, each request runs alone so one bad request cannot fail its neighbours.
   */
  private async runBatch(instance: InstanceRunner, batch: Job[]): Promise<Array<RawOutput[] | Failure>> {
    try {
      if (batch.length > 1) {
        const inputs = mergeInputs(batch.map((j) => j.inputs));
        try {
          const merged = await instance(inputs, batch[0]!.outputNames);
          const split = splitOutputs(
            merged,
            batch.map((j) => j.rows),
          );
          if (split) return split;
        } catch {
          // fall through: find out which request the model rejects
        } finally {
          tensorPool.giveAll(inputs);
        }
      }
      const results: Array<RawOutput[] | Failure> = [];
      for (const job of batch) {
        try {
          results.push(await instance(job.inputs, job.outputNames));
        } catch (error) {
          results.push({ error });
        }
      }
      return results;
    } finally {
      // The requests' pooled input buffers (decoded binary tensors) serve the next requests.
      for (const job of batch) tensorPool.giveAll(job.inputs);
    }
  }

  private checkDrained(): void {
    if (this.drained && this.jobs.length === 0 && this.runningBatches.size === 0) {
      clearTimeout(this.delayTimer);
      this.deadlines.clear();
      this.drained();
      this.drained = undefined;
    }
  }
}

/**
 * One span per onnxruntime execution, inside the first request's trace and linked to every request
 * it serves (a batch has many parents; links are how OpenTelemetry says so).
 */
function batchSpan(batch: Job[]): Span | undefined {
  const first = batch[0]?.trace?.request;
  if (!first) return undefined;
  const links = batch.flatMap((j) => (j.trace?.request ? [{ context: j.trace.request }] : []));
  return tracer().startSpan(
    'batch execution',
    {
      links,
      attributes: {
        'modelgarden.batch.requests': batch.length,
        'modelgarden.batch.rows': batch.reduce((n, j) => n + j.rows, 0),
      },
    },
    trace.setSpanContext(ROOT_CONTEXT, first),
  );
}
