/**
 * One scheduler per loaded model version: a bounded queue shared by every protocol, a dynamic
 * batcher (up to `maxBatchSize` rows, waiting at most `maxQueueDelayMs`), per-request deadlines and
 * cancellation, and a pool of backend instances that each run one batch at a time.
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
import { batchKey, mergeInputs, type RawOutput, splitOutputs } from './batching.js';
import type { EffectiveServingConfig } from './serving-config.js';
import type { DecodedTensor } from './tensor-codec.js';

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

const now = () => performance.now();

/**
 * The share of a request's deadline its expected queue wait and execution may take and still be
 * admitted. The estimate is an average and a request also spends time in HTTP handling, so admitting
 * right up to the deadline would let the slower part of the admitted requests end in 504.
 */
const ADMISSION_HEADROOM = 0.8;

/**
 * A queue that has not emptied for this long (or ten batch times, when longer) is a standing queue:
 * the model is overloaded, not meeting a burst, and admission tightens to `queueTargetMs`.
 */
const STANDING_QUEUE_MS = 100;

export class Scheduler {
  private queue: Job[] = [];
  private readonly idle: InstanceRunner[];
  private pumpScheduled = false;
  private delayTimer: NodeJS.Timeout | undefined;
  /** The batches being executed, one per busy instance (their requests may still time out). */
  private readonly runningBatches = new Set<Job[]>();
  /**
   * Deadlines: one timer for the scheduler, set for the earliest deadline of a queued or running
   * request, instead of a timer per request (a Timeout object and two list operations each). With
   * one deadline for most requests the earliest is nearly always the oldest, so the timer rarely
   * moves; when it fires it fails what is late and is set for the next deadline, if any. It does
   * not keep the process alive (a request always has a pump, a run or a delay timer that does).
   */
  private deadlineTimer: NodeJS.Timeout | undefined;
  private deadlineAt = Number.POSITIVE_INFINITY;
  private closed = false;
  private drained: (() => void) | undefined;
  /** Moving average of one execution, for Retry-After and the admission estimate. */
  private avgComputeMs = 1;
  /** Executions measured so far; the admission estimate waits for a few before it trusts itself. */
  private executions = 0;
  /**
   * Moving average of an instance's cycle while work is waiting: from one batch's start to the next
   * one's on the same instance. Longer than the execution when the event loop is slow to hand out
   * the next batch (a busy process), and that is the rate the queue really drains at.
   */
  private avgCycleMs = 0;
  /**
   * When the engine last caught up: nothing queued and an instance idle. Handing the last queued
   * request to a busy pool does not count (under overload the queue drains to zero between batches).
   */
  private lastEmptyAt = now();
  /**
   * When a request was last refused or dropped for the queue target. Admitting only what starts
   * within the target keeps the queue short, so it can catch up for a moment while the overload
   * goes on; the standing state lasts until an interval passes without such a refusal.
   */
  private lastTargetShedAt = Number.NEGATIVE_INFINITY;
  /** When each instance started its last batch, kept only while the queue had more work for it. */
  private readonly lastStart = new Map<InstanceRunner, number>();
  private readonly instanceCount: number;

  constructor(
    instances: InstanceRunner[],
    private config: EffectiveServingConfig,
    private readonly batchable: boolean,
    private readonly observer: SchedulerObserver,
  ) {
    this.idle = [...instances];
    this.instanceCount = instances.length;
  }

  get depth(): number {
    return this.queue.length;
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

  /**
   * Load shedding: the error for a request refused for load now (fast 429 instead of a late 504, and
   * it does not lengthen the wait of those behind), counted as `queue_full`; undefined to admit it.
   */
  private refusal(rows: number, timeoutMs: number): ModelGardenError | undefined {
    let why: string;
    if (this.queue.length >= this.config.maxQueue) {
      why = `The model's queue is full (${this.config.maxQueue} waiting)`;
    } else {
      const expectedMs = this.expectedWaitMs(rows);
      const budgetMs = this.admissionBudgetMs(timeoutMs);
      if (expectedMs <= budgetMs) return undefined;
      const standing = budgetMs < timeoutMs * ADMISSION_HEADROOM;
      if (standing) this.lastTargetShedAt = now();
      why = standing
        ? `The model is overloaded: sustained overload (a standing queue): this request would wait about ${Math.ceil(expectedMs)} ms, past the queue target (${Math.ceil(budgetMs)} ms)`
        : `The model is overloaded: the queue would take about ${Math.ceil(expectedMs)} ms to serve this request, too close to its ${timeoutMs} ms deadline`;
    }
    this.observer.finished('queue_full', null, 0);
    return new ModelGardenError('QUEUE_FULL', why, {
      details: { retryAfterSeconds: this.retryAfterSeconds() },
    });
  }

  /**
   * How long a new request may expect to wait (queue and its own execution) and still be admitted.
   * Normally most of its deadline. Under sustained overload — a standing queue, the idea of CoDel as
   * used for RPC queues in "Fail at Scale" (Maurer, 2015) — only what starts within the queue
   * allowance is admitted and the rest is refused at once, so the admitted requests keep a latency
   * near the unloaded one instead of each waiting out a full queue.
   */
  private admissionBudgetMs(timeoutMs: number): number {
    const deadline = timeoutMs * ADMISSION_HEADROOM;
    const allowance = this.standingAllowanceMs();
    if (allowance === undefined) return deadline;
    return Math.min(deadline, allowance + this.batchMs());
  }

  /**
   * With a queue target set and a standing queue (not caught up for 100 ms or ten batch times, or a
   * request refused for the target within that interval): how long a request may wait in the queue,
   * `queueTargetMs` but at least two batch times. Otherwise undefined (requests may wait up to their
   * deadlines).
   */
  private standingAllowanceMs(): number | undefined {
    const target = this.config.queueTargetMs;
    if (target <= 0 || this.executions < 8) return undefined;
    const batchMs = this.batchMs();
    const interval = Math.max(STANDING_QUEUE_MS, 10 * batchMs);
    const t = now();
    if (t - this.lastEmptyAt < interval && t - this.lastTargetShedAt >= interval) return undefined;
    return Math.max(target, 2 * batchMs);
  }

  /**
   * In a standing queue, requests that have already waited past the allowance (those admitted
   * before the overload was recognised) are refused (429) rather than run late: CoDel's drop, which
   * empties the backlog at once instead of serving it at the backlog's latency.
   */
  private dropStale(): void {
    const allowance = this.standingAllowanceMs();
    if (allowance === undefined) return;
    const t = now();
    if (t - this.queue[0]!.enqueuedAt <= allowance) return;
    const kept: Job[] = [];
    this.lastTargetShedAt = t;
    for (const job of this.queue) {
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
          { details: { retryAfterSeconds: this.retryAfterSeconds() } },
        ),
      );
    }
    this.queue = kept;
    this.observer.pending(this.queue.length);
  }

  /** Applies queue/batching settings at once (instances and threads need new sessions instead). */
  reconfigure(config: EffectiveServingConfig): void {
    this.config = config;
    this.lastEmptyAt = now();
    this.lastTargetShedAt = Number.NEGATIVE_INFINITY;
    // Cycles measured under other settings do not describe these.
    this.avgCycleMs = 0;
    this.lastStart.clear();
    this.schedulePump();
  }

  /** Queues one request (its inputs in the model's input order) and resolves with its own outputs. */
  submit(inputs: DecodedTensor[], outputNames: string[], options: SubmitOptions = {}): Promise<RawOutput[]> {
    if (this.closed) return Promise.reject(new SchedulerClosedError('scheduler is draining'));
    const enqueuedAt = now();
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
      if (job.deadline < this.deadlineAt) this.armDeadline(job.deadline);
      if (options.signal) job.cancels = options.signal.onCancel(job);
      this.noteIfCaughtUp(enqueuedAt);
      this.queue.push(job);
      this.observer.pending(this.queue.length);
      this.schedulePump();
    });
  }

  /** Stops taking requests and resolves once everything queued or running has finished. */
  drain(): Promise<void> {
    this.closed = true;
    if (this.queue.length === 0 && this.runningBatches.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.drained = resolve;
      this.schedulePump();
    });
  }

  /**
   * About how long a request of `rows` rows would take to finish if queued now: the batches ahead of
   * it (and its own) spread over the instances, plus the ones running, at the measured execution time
   * or, when slower, the measured cycle of a busy instance.
   * 0 until a few executions have been measured (a cold model has no estimate to trust).
   */
  private expectedWaitMs(rows: number): number {
    if (this.executions < 8) return 0;
    let queuedRows = rows;
    for (const job of this.queue) queuedRows += job.rows;
    const jobs = this.queue.length + 1;
    // Whole requests share a batch up to maxBatchSize rows; a larger one runs alone.
    const batches = this.batchable
      ? Math.min(jobs, Math.ceil(queuedRows / Math.max(1, this.config.maxBatchSize)))
      : jobs;
    const rounds = Math.ceil(batches / this.instanceCount) + (this.idle.length === 0 ? 1 : 0);
    return rounds * this.batchMs();
  }

  /** Records `t` as the last moment the engine caught up, if it has: nothing queued, an instance idle. */
  private noteIfCaughtUp(t: number): void {
    if (this.queue.length === 0 && this.idle.length > 0) this.lastEmptyAt = t;
  }

  /** One batch's time as the queue sees it: the execution, or the busy cycle when that is longer. */
  private batchMs(): number {
    return Math.max(this.avgComputeMs, this.avgCycleMs);
  }

  private retryAfterSeconds(): number {
    const batches = Math.ceil(this.queue.length / Math.max(1, this.config.maxBatchSize));
    return Math.max(1, Math.ceil((batches * this.avgComputeMs) / 1000));
  }

  private readonly cancelJob = (job: Job): void => this.abandon(job, 'cancelled');

  /** Ends a request early (deadline or client gone); queued work is removed, running work discarded. */
  private abandon(job: Job, outcome: 'timeout' | 'cancelled'): void {
    if (job.state === 'done') return;
    if (job.state === 'queued') {
      const i = this.queue.indexOf(job);
      if (i >= 0) this.queue.splice(i, 1);
      this.noteIfCaughtUp(now());
      this.observer.pending(this.queue.length);
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

  /** Sets the deadline timer for `at` (performance.now() time). */
  private armDeadline(at: number): void {
    clearTimeout(this.deadlineTimer);
    this.deadlineAt = at;
    this.deadlineTimer = setTimeout(this.expire, Math.max(0, at - now()));
    this.deadlineTimer.unref();
  }

  /** Fails every request past its deadline, then sets the timer for the next earliest one. */
  private readonly expire = (): void => {
    this.deadlineTimer = undefined;
    this.deadlineAt = Number.POSITIVE_INFINITY;
    // A timer may fire a little early by performance.now(): allow a millisecond.
    const t = now() + 1;
    let next = Number.POSITIVE_INFINITY;
    const late: Job[] = [];
    const visit = (job: Job) => {
      if (job.state === 'done') return;
      if (job.deadline <= t) late.push(job);
      else if (job.deadline < next) next = job.deadline;
    };
    for (const job of this.queue) visit(job);
    for (const batch of this.runningBatches) for (const job of batch) visit(job);
    for (const job of late) this.abandon(job, 'timeout');
    if (next !== Number.POSITIVE_INFINITY) this.armDeadline(next);
  };

  private settle(job: Job, outcome: Outcome): void {
    job.state = 'done';
    if (job.cancels) job.cancels.delete(job);
    const t = now();
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
    if (this.queue.length > 0 && this.idle.length > 0) this.dropStale();
    while (this.idle.length > 0 && this.queue.length > 0) {
      const delay = this.config.maxQueueDelayMs;
      if (delay > 0 && !this.closed) {
        const wait = this.queue[0]!.enqueuedAt + delay - now();
        if (wait > 0 && this.queuedRowsBelow(this.config.maxBatchSize)) {
          if (!this.delayTimer) {
            this.delayTimer = setTimeout(() => {
              this.delayTimer = undefined;
              this.pump();
            }, wait);
          }
          return;
        }
      }
      const batch = this.takeBatch();
      const instance = this.idle.pop()!;
      const t = now();
      const previous = this.lastStart.get(instance);
      // With a batching delay the gap between batches is chosen, not a sign of a slow hand-off.
      if (previous !== undefined && this.config.maxQueueDelayMs === 0) {
        const cycle = t - previous;
        this.avgCycleMs = this.avgCycleMs === 0 ? cycle : this.avgCycleMs * 0.9 + cycle * 0.1;
      }
      this.lastStart.set(instance, t);
      void this.execute(instance, batch);
    }
    this.checkDrained();
  };

  private queuedRowsBelow(limit: number): boolean {
    let rows = 0;
    for (const job of this.queue) {
      rows += job.rows;
      if (rows >= limit) return false;
    }
    return true;
  }

  private takeBatch(): Job[] {
    const first = this.queue[0]!;
    const max = this.config.maxBatchSize;
    if (first.key === null || first.rows >= max) {
      this.queue.shift();
      return [first];
    }
    const batch: Job[] = [];
    const rest: Job[] = [];
    let rows = 0;
    for (const job of this.queue) {
      if (rows < max && job.key === first.key && rows + job.rows <= max) {
        batch.push(job);
        rows += job.rows;
      } else {
        rest.push(job);
      }
    }
    this.queue = rest;
    return batch;
  }

  private async execute(instance: InstanceRunner, batch: Job[]): Promise<void> {
    this.runningBatches.add(batch);
    const started = now();
    for (const job of batch) {
      job.state = 'running';
      job.startedAt = started;
      job.trace?.queue.end();
    }
    this.observer.pending(this.queue.length);
    const span = batchSpan(batch);
    try {
      const results = await this.runBatch(instance, batch);
      const computeMs = now() - started;
      this.avgComputeMs = this.executions === 0 ? computeMs : this.avgComputeMs * 0.9 + computeMs * 0.1;
      this.executions++;
      this.observer.executed(batch.length, computeMs / 1000);
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
      if (this.queue.length > 0) this.schedulePump();
      else {
        // Idle time is not service time: the next cycle of this instance is not measured.
        this.lastStart.delete(instance);
        this.lastEmptyAt = now();
        this.checkDrained();
      }
    }
  }

  /**
   * Runs a batch and splits its outputs. When the merged run fails, or the graph's outputs do not
   * follow the batch dimension, each request runs alone so one bad request cannot fail its neighbours.
   */
  private async runBatch(instance: InstanceRunner, batch: Job[]): Promise<Array<RawOutput[] | Failure>> {
    if (batch.length > 1) {
      try {
        const merged = await instance(mergeInputs(batch.map((j) => j.inputs)), batch[0]!.outputNames);
        const split = splitOutputs(
          merged,
          batch.map((j) => j.rows),
        );
        if (split) return split;
      } catch {
        // fall through: find out which request the model rejects
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
  }

  private checkDrained(): void {
    if (this.drained && this.queue.length === 0 && this.runningBatches.size === 0) {
      clearTimeout(this.delayTimer);
      clearTimeout(this.deadlineTimer);
      this.deadlineAt = Number.POSITIVE_INFINITY;
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
