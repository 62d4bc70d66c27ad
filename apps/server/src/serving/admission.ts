/**
 * Admission control for one scheduler: whether a request is admitted or refused for load now (a
 * full queue, an expected finish past its deadline, or a standing queue past `queueTargetMs`), from
 * the moving averages of the executions it is told about. It reads time only from its clock, so
 * tests drive it on a clock they move by hand.
 */
import type { Clock } from './clock.js';
import type { EffectiveServingConfig } from './serving-config.js';

/** What admission needs of a queued request. */
export interface QueuedWork {
  readonly rows: number;
  /** Clock time the request joined the queue. */
  readonly enqueuedAt: number;
}

/** The scheduler's state as admission sees it. */
export interface PoolState {
  readonly queue: readonly QueuedWork[];
  /** Instances not running a batch now. */
  readonly idleInstances: number;
}

/**
 * The share of a request's deadline its expected queue wait and execution may take and still be
 * admitted. The estimate is an average and a request also spends time in HTTP handling, so admitting
 * right up to the deadline would let the slower part of the admitted requests end in 504.
 */
export const ADMISSION_HEADROOM = 0.8;

/**
 * A queue that has not emptied for this long (or ten batch times, when longer) is a standing queue:
 * the model is overloaded, not meeting a burst, and admission tightens to `queueTargetMs`.
 */
export const STANDING_QUEUE_MS = 100;

/** Executions measured before the estimate is trusted (a cold model has no estimate to trust). */
export const TRUSTED_AFTER = 8;

export class AdmissionController {
  /** Moving average of one execution, for Retry-After and the admission estimate. */
  private avgComputeMs = 1;
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
  private lastEmptyAt: number;
  /**
   * When a request was last refused or dropped for the queue target. Admitting only what starts
   * within the target keeps the queue short, so it can catch up for a moment while the overload
   * goes on; the standing state lasts until an interval passes without such a refusal.
   */
  private lastTargetShedAt = Number.NEGATIVE_INFINITY;
  /** When each instance started its last batch, kept only while the queue had more work for it. */
  private readonly lastStart = new Map<object, number>();

  constructor(
    private config: EffectiveServingConfig,
    private readonly batchable: boolean,
    private readonly instanceCount: number,
    private readonly clock: Clock,
  ) {
    this.lastEmptyAt = clock.now();
  }

  /** New queue settings: cycles measured under other settings do not describe these. */
  reconfigure(config: EffectiveServingConfig): void {
    this.config = config;
    this.lastEmptyAt = this.clock.now();
    this.lastTargetShedAt = Number.NEGATIVE_INFINITY;
    this.avgCycleMs = 0;
    this.lastStart.clear();
  }

  /**
   * Why a request of `rows` rows with `timeoutMs` left is refused for load now (fast 429 instead of a
   * late 504, and it does not lengthen the wait of those behind), or undefined to admit it.
   */
  refusal(pool: PoolState, rows: number, timeoutMs: number): string | undefined {
    if (pool.queue.length >= this.config.maxQueue) {
      return `The model's queue is full (${this.config.maxQueue} waiting)`;
    }
    const expectedMs = this.expectedWaitMs(pool, rows);
    const budgetMs = this.admissionBudgetMs(timeoutMs);
    if (expectedMs <= budgetMs) return undefined;
    const standing = budgetMs < timeoutMs * ADMISSION_HEADROOM;
    if (standing) {
      this.lastTargetShedAt = this.clock.now();
      return `The model is overloaded: sustained overload (a standing queue): this request would wait about ${Math.ceil(expectedMs)} ms, past the queue target (${Math.ceil(budgetMs)} ms)`;
    }
    return `The model is overloaded: the queue would take about ${Math.ceil(expectedMs)} ms to serve this request, too close to its ${timeoutMs} ms deadline`;
  }

  /**
   * In a standing queue, requests that have already waited past the allowance (those admitted
   * before the overload was recognised) are refused (429) rather than run late: CoDel's drop, which
   * empties the backlog at once instead of serving it at the backlog's latency. Returns the
   * allowance when the head of the queue waited past it (and notes the drop), else undefined.
   */
  staleAfterMs(pool: PoolState): number | undefined {
    const allowance = this.standingAllowanceMs();
    const head = pool.queue[0];
    if (allowance === undefined || head === undefined) return undefined;
    const t = this.clock.now();
    if (t - head.enqueuedAt <= allowance) return undefined;
    this.lastTargetShedAt = t;
    return allowance;
  }

  /** An instance starts a batch (at `t`): measures its cycle when it went straight from one batch to the next. */
  batchStarted(instance: object, t: number): void {
    const previous = this.lastStart.get(instance);
    // With a batching delay the gap between batches is chosen, not a sign of a slow hand-off.
    if (previous !== undefined && this.config.maxQueueDelayMs === 0) {
      const cycle = t - previous;
      this.avgCycleMs = this.avgCycleMs === 0 ? cycle : this.avgCycleMs * 0.9 + cycle * 0.1;
    }
    this.lastStart.set(instance, t);
  }

  /** An instance finished with nothing queued: idle time is not service time, and the engine caught up. */
  instanceIdle(instance: object): void {
    this.lastStart.delete(instance);
    this.lastEmptyAt = this.clock.now();
  }

  /** Records now as the last moment the engine caught up, if it has: nothing queued, an instance idle. */
  noteIfCaughtUp(pool: PoolState): void {
    if (pool.queue.length === 0 && pool.idleInstances > 0) this.lastEmptyAt = this.clock.now();
  }

  /** One execution took `computeMs`. */
  executed(computeMs: number): void {
    this.avgComputeMs = this.executions === 0 ? computeMs : this.avgComputeMs * 0.9 + computeMs * 0.1;
    this.executions++;
  }

  /** The Retry-After hint (whole seconds, at least 1) for a refusal with `queueLength` waiting. */
  retryAfterSeconds(queueLength: number): number {
    const batches = Math.ceil(queueLength / Math.max(1, this.config.maxBatchSize));
    return Math.max(1, Math.ceil((batches * this.avgComputeMs) / 1000));
  }

  /**
   * About how long a request of `rows` rows would take to finish if queued now: the batches ahead of
   * it (and its own) spread over the instances, plus the ones running, at the measured execution time
   * or, when slower, the measured cycle of a busy instance. 0 until a few executions were measured.
   */
  expectedWaitMs(pool: PoolState, rows: number): number {
    if (this.executions < TRUSTED_AFTER) return 0;
    let queuedRows = rows;
    for (const job of pool.queue) queuedRows += job.rows;
    const jobs = pool.queue.length + 1;
    // Whole requests share a batch up to maxBatchSize rows; a larger one runs alone.
    const batches = this.batchable
      ? Math.min(jobs, Math.ceil(queuedRows / Math.max(1, this.config.maxBatchSize)))
      : jobs;
    const rounds = Math.ceil(batches / this.instanceCount) + (pool.idleInstances === 0 ? 1 : 0);
    return rounds * this.batchMs();
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
    if (target <= 0 || this.executions < TRUSTED_AFTER) return undefined;
    const batchMs = this.batchMs();
    const interval = Math.max(STANDING_QUEUE_MS, 10 * batchMs);
    const t = this.clock.now();
    if (t - this.lastEmptyAt < interval && t - this.lastTargetShedAt >= interval) return undefined;
    return Math.max(target, 2 * batchMs);
  }

  /** One batch's time as the queue sees it: the execution, or the busy cycle when that is longer. */
  private batchMs(): number {
    return Math.max(this.avgComputeMs, this.avgCycleMs);
  }
}
