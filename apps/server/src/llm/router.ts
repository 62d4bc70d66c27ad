/**
 * The router: runs one gateway call over a route's deployments. Deployments are tried in weighted
 * order (those cooling down last), then the fallbacks; a retryable failure (429, 5xx, timeout,
 * connection) is retried on the same deployment with exponential back-off or the upstream's
 * `retry-after`, then the next deployment takes over; the caller's own fault (a 4xx) and its abort
 * end the call at once. A deployment that fails `cooldown.failures` times in a row rests for
 * `cooldown.cooldownMs`. Timeouts: the first streamed part (and every later gap) within
 * `firstTokenMs`, everything within `totalMs`. A stream falls back only before its first part.
 */
import type { LlmConfig } from '../config/llm-config.js';
import { type Clock, SYSTEM_CLOCK, sleep } from './clock.js';
import {
  type CallOptions,
  type ChatRequest,
  type ChatResult,
  type ChatStreamPart,
  STREAM_DONE as DONE,
  type EmbeddingRequest,
  type EmbeddingResult,
  type LlmProvider,
  ProviderError,
} from './spec.js';

/** One place a model can be served from: a provider and its own model id. */
export interface Deployment {
  /** `<provider>/<model id>`. */
  ref: string;
  provider: LlmProvider;
  /** The provider's model id. */
  model: string;
  weight: number;
}

/** What a model name the caller sent resolves to. */
export interface Route {
  /** The name as the caller sent it (an alias or `<provider>/<id>`). */
  model: string;
  deployments: Deployment[];
  fallbacks: Deployment[];
}

/** What happened while routing one call; filled in as it goes (read it after the call or stream ends). */
export interface RouteState {
  /** The deployment that answered (or was answering when the call failed mid-stream). */
  served?: Deployment;
  attempts: number;
  /** Deployments moved on to after a failure. */
  fallbacks: number;
  /** `clock.now()` when the first streamed part arrived. */
  firstPartAt?: number;
}

export interface RouterObserver {
  /** Each upstream attempt: before it starts, and with its outcome. */
  attempt?(deployment: Deployment, route: Route): AttemptObserver | undefined;
  fallback?(route: Route, from: Deployment, to: Deployment, error: ProviderError): void;
  cooledDown?(deployment: Deployment): void;
}

export interface AttemptObserver {
  end(error?: ProviderError): void;
}

export type RouterSettings = Pick<LlmConfig, 'timeouts' | 'retries' | 'cooldown'>;

export interface RoutedStream extends AsyncIterable<ChatStreamPart> {
  readonly state: RouteState;
}

interface Health {
  consecutive: number;
  until: number;
}

interface Timing {
  deadline: number;
  /** Per attempt: the first part (stream) or the answer must come within this. */
  firstMs: number | undefined;
}

const timeoutError = (provider: string, what: string) =>
  new ProviderError('timeout', `${provider}: ${what}`, { provider });

/** Anything a provider threw that is not a ProviderError becomes one (its bug, not the caller's). */
function asProviderError(err: unknown, provider: string): ProviderError {
  if (err instanceof ProviderError) return err;
  return new ProviderError('bad-response', `${provider}: ${(err as Error)?.message ?? String(err)}`, {
    provider,
    cause: err,
  });
}

export class LlmRouter {
  private readonly health = new Map<string, Health>();

  constructor(
    private readonly settings: RouterSettings,
    private readonly clock: Clock = SYSTEM_CLOCK,
    private readonly observer: RouterObserver = {},
  ) {}

  /** True while a deployment rests after repeated failures. */
  coolingDown(ref: string): boolean {
    const h = this.health.get(ref);
    return h !== undefined && h.until > this.clock.now();
  }

  /** The order this call tries deployments in: weighted among the healthy, the resting last, then fallbacks. */
  order(route: Route): Deployment[] {
    // The common case, one deployment and no fallback: it is tried, resting or not.
    if (route.deployments.length === 1 && route.fallbacks.length === 0) return [route.deployments[0]!];
    const now = this.clock.now();
    const resting = (d: Deployment) => (this.health.get(d.ref)?.until ?? 0) > now;
    const picked = this.weightedOrder(route.deployments.filter((d) => !resting(d)));
    const restingOnes = route.deployments.filter(resting);
    const fallbacks = route.fallbacks.filter((f) => !route.deployments.some((d) => d.ref === f.ref));
    return [...picked, ...restingOnes, ...fallbacks.filter((d) => !resting(d)), ...fallbacks.filter(resting)];
  }

  private weightedOrder(items: Deployment[]): Deployment[] {
    if (items.length <= 1) return items;
    const pool = [...items];
    const out: Deployment[] = [];
    while (pool.length > 0) {
      const total = pool.reduce((s, d) => s + d.weight, 0);
      let r = this.clock.random() * total;
      let i = 0;
      for (; i < pool.length - 1; i++) {
        r -= pool[i]!.weight;
        if (r < 0) break;
      }
      out.push(pool.splice(i, 1)[0]!);
    }
    return out;
  }

  /** A non-streamed chat answer. */
  chat(route: Route, request: Omit<ChatRequest, 'model'>, options: CallOptions = {}, state = newState()) {
    return this.call<ChatResult>(
      route,
      (d, o) => d.provider.chat({ ...request, model: d.model }, o),
      options,
      state,
    );
  }

  embed(
    route: Route,
    request: Omit<EmbeddingRequest, 'model'>,
    options: CallOptions = {},
    state = newState(),
  ): Promise<EmbeddingResult> {
    return this.call<EmbeddingResult>(
      route,
      (d, o) => {
        if (!d.provider.embed)
          throw new ProviderError('invalid-request', `${d.ref} does not serve embeddings`, {
            provider: d.provider.name,
            param: 'model',
          });
        return d.provider.embed({ ...request, model: d.model }, o);
      },
      options,
      state,
    );
  }

  private async call<T>(
    route: Route,
    run: (d: Deployment, options: CallOptions) => Promise<T>,
    options: CallOptions,
    state: RouteState,
  ): Promise<T> {
    const timing: Timing = {
      deadline: this.clock.now() + this.settings.timeouts.totalMs,
      firstMs: undefined,
    };
    const { value } = await this.loop(route, options, state, timing, (d, ctl) =>
      run(d, { ...options, signal: ctl.signal }),
    );
    return value;
  }

  /**
   * A streamed answer. The returned iterable starts the call when iterated; stopping the iteration
   * (or the caller's signal) aborts the upstream at once.
   */
  stream(
    route: Route,
    request: Omit<ChatRequest, 'model'>,
    options: CallOptions = {},
    state = newState(),
  ): RoutedStream {
    return {
      state,
      [Symbol.asyncIterator]: () => this.streamParts(route, request, options, state),
    };
  }

  /**
   * A routed stream's iterator, written by hand rather than as an async generator: every part of
   * every stream passes through it, and a generator layer costs several promises and objects per
   * part (a benchmark's 256 streams made it the largest allocator on the path, bench/RESULTS.md).
   * Per part it costs one promise (raced by the watchdog) and the bookkeeping below; the semantics
   * are a generator's: the first next() opens the call (retries, fallbacks), a failure is thrown
   * once, return() stops the upstream at once, and after the end every next() is done.
   */
  private streamParts(
    route: Route,
    request: Omit<ChatRequest, 'model'>,
    options: CallOptions,
    state: RouteState,
  ): AsyncIterator<ChatStreamPart> {
    const { firstTokenMs, totalMs } = this.settings.timeouts;
    const clock = this.clock;
    const timing: Timing = { deadline: clock.now() + totalMs, firstMs: firstTokenMs };
    let ctl: AbortController | undefined;
    let it: AsyncIterator<ChatStreamPart> | undefined;
    let deployment: Deployment | undefined;
    let attempt: AttemptObserver | undefined;
    let provider = '';
    /** new → opening (the first part awaited) → open (parts flowing) → closed (ended, failed or returned). */
    let phase: 'new' | 'opening' | 'open' | 'closed' = 'new';
    /** return() came while the call was opening: it is stopped as soon as it opens. */
    let returned = false;
    let lastPartAt = 0;
    let failure: ProviderError | undefined;
    let timer: unknown;
    // The pending next(): settled by the provider's part, or rejected by the watchdog first.
    let resolvePending: ((step: IteratorResult<ChatStreamPart>) => void) | undefined;
    let rejectPending: ((err: unknown) => void) | undefined;

    const close = (finished: boolean) => {
      phase = 'closed';
      clock.clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (!finished) {
        // The consumer stopped early (client gone) or the stream failed: stop the upstream now.
        ctl?.abort(failure ?? new ProviderError('aborted', 'The caller went away', { provider }));
        void it?.return?.().catch(() => {});
      }
    };
    /** The stream failed: counted against the deployment, the attempt ended, the upstream stopped. */
    const failWith = (err: unknown): ProviderError => {
      const e = failure ?? asProviderError(err, provider);
      if (e.kind !== 'aborted') this.failed(deployment!, e);
      attempt?.end(e);
      close(false);
      return e;
    };
    /** The stream ended: counted for the deployment, the attempt ended. */
    const succeed = () => {
      this.succeeded(deployment!);
      attempt?.end();
      close(true);
    };
    const settle = () => {
      const reject = rejectPending;
      resolvePending = undefined;
      rejectPending = undefined;
      return reject;
    };
    const onStep = (step: IteratorResult<ChatStreamPart>) => {
      const resolve = resolvePending;
      settle();
      if (phase === 'closed') return resolve?.(DONE);
      lastPartAt = clock.now();
      if (step.done) {
        succeed();
        return resolve?.(DONE);
      }
      resolve?.(step);
    };
    const onError = (err: unknown) => {
      const reject = settle();
      if (phase === 'closed') return reject?.(failure ?? asProviderError(err, provider));
      reject?.(failWith(err));
    };
    const pull = (resolve: typeof resolvePending, reject: typeof rejectPending) => {
      resolvePending = resolve;
      rejectPending = reject;
      it!.next().then(onStep, onError);
    };
    // One watchdog for the rest of the stream: the total deadline and the longest gap between parts.
    const arm = () => {
      const now = clock.now();
      const due = Math.min(timing.deadline, lastPartAt + firstTokenMs);
      if (due <= now) {
        failure = timeoutError(
          provider,
          due === timing.deadline
            ? `no complete answer within ${totalMs} ms`
            : `no streamed part for ${firstTokenMs} ms`,
        );
        ctl?.abort(failure);
        if (rejectPending) onError(failure);
        return;
      }
      timer = clock.setTimeout(arm, due - now);
    };
    const onAbort = () => {
      failure = new ProviderError('aborted', 'The caller went away', { provider });
      ctl?.abort(failure);
      if (rejectPending) onError(failure);
    };
    const open = async (): Promise<IteratorResult<ChatStreamPart>> => {
      const { value: opened, observed } = await this.loop(
        route,
        options,
        state,
        timing,
        async (d, attemptCtl) => {
          ctl = attemptCtl;
          const parts = d.provider
            .streamChat({ ...request, model: d.model }, { ...options, signal: attemptCtl.signal })
            [Symbol.asyncIterator]();
          const first = await parts.next();
          return { it: parts, first, deployment: d };
        },
      );
      state.firstPartAt = clock.now();
      it = opened.it;
      deployment = opened.deployment;
      attempt = observed;
      provider = deployment.provider.name;
      lastPartAt = clock.now();
      phase = 'open';
      if (returned) {
        close(false);
        return DONE;
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
      arm();
      if (opened.first.done) {
        succeed();
        return DONE;
      }
      return opened.first;
    };

    return {
      next: (): Promise<IteratorResult<ChatStreamPart>> => {
        if (phase === 'new') {
          phase = 'opening';
          // A failure to open is thrown once, like a generator's first next().
          return open().catch((err: unknown) => {
            phase = 'closed';
            throw err;
          });
        }
        if (phase === 'closed') return Promise.resolve(DONE);
        if (phase === 'opening')
          return Promise.reject(new Error('next() called before the last one settled'));
        if (failure) return Promise.reject(failWith(failure));
        return new Promise(pull);
      },
      return: (): Promise<IteratorResult<ChatStreamPart>> => {
        if (phase === 'open') close(false);
        else if (phase === 'opening') returned = true;
        else phase = 'closed';
        return Promise.resolve(DONE);
      },
    };
  }

  /**
   * Tries each deployment in order (with retries) until `attempt` resolves; `attempt` gets an
   * AbortController that times out at the first-part or total deadline and follows the caller's signal.
   */
  private async loop<T>(
    route: Route,
    options: CallOptions,
    state: RouteState,
    timing: Timing,
    attempt: (d: Deployment, ctl: AbortController) => Promise<T>,
  ): Promise<{ value: T; observed: AttemptObserver | undefined }> {
    const candidates = this.order(route);
    const { maxRetries, baseDelayMs, maxDelayMs } = this.settings.retries;
    let last: ProviderError | undefined;
    for (const [i, d] of candidates.entries()) {
      if (i > 0 && last) {
        state.fallbacks++;
        this.observer.fallback?.(route, candidates[i - 1]!, d, last);
      }
      for (let retry = 0; ; retry++) {
        if (options.signal?.aborted)
          throw new ProviderError('aborted', 'The caller went away', { provider: d.provider.name });
        const remaining = timing.deadline - this.clock.now();
        if (remaining <= 0)
          throw last?.kind === 'timeout'
            ? last
            : timeoutError(d.provider.name, `no answer within ${this.settings.timeouts.totalMs} ms`);
        state.attempts++;
        state.served = d;
        const observed = this.observer.attempt?.(d, route);
        try {
          const value = await this.once(
            d,
            options,
            Math.min(remaining, timing.firstMs ?? remaining),
            attempt,
          );
          // A stream's attempt ends when the stream does (streamParts reports it).
          if (timing.firstMs === undefined) {
            this.succeeded(d);
            observed?.end();
          }
          return { value, observed };
        } catch (err) {
          const e = asProviderError(err, d.provider.name);
          observed?.end(e);
          if (e.kind === 'aborted' || e.kind === 'invalid-request') throw e;
          this.failed(d, e);
          last = e;
          if (!e.retryable || retry >= maxRetries) break;
          const backoff = Math.min(maxDelayMs, baseDelayMs * 2 ** retry) * (1 - this.clock.random() * 0.25);
          const wait = e.details.retryAfterMs ?? backoff;
          // Waiting longer than the back-off allows, or past the deadline: the next deployment instead.
          if (wait > maxDelayMs || this.clock.now() + wait >= timing.deadline) break;
          try {
            await sleep(this.clock, wait, options.signal);
          } catch {
            throw new ProviderError('aborted', 'The caller went away', { provider: d.provider.name });
          }
        }
      }
    }
    throw last ?? new ProviderError('server', `No deployment for ${route.model}`, { provider: 'gateway' });
  }

  /** One upstream attempt under a timeout and the caller's signal. */
  private once<T>(
    d: Deployment,
    options: CallOptions,
    timeoutMs: number,
    attempt: (d: Deployment, ctl: AbortController) => Promise<T>,
  ): Promise<T> {
    const ctl = new AbortController();
    const provider = d.provider.name;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        this.clock.clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const timer = this.clock.setTimeout(() => {
        const e = timeoutError(provider, `no answer within ${timeoutMs} ms`);
        ctl.abort(e);
        settle(() => reject(e));
      }, timeoutMs);
      const onAbort = () => {
        const e = new ProviderError('aborted', 'The caller went away', { provider });
        ctl.abort(e);
        settle(() => reject(e));
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      attempt(d, ctl).then(
        (v) => settle(() => resolve(v)),
        (err) => settle(() => reject(err)),
      );
    });
  }

  private succeeded(d: Deployment): void {
    const h = this.health.get(d.ref);
    if (h) h.consecutive = 0;
  }

  private failed(d: Deployment, e: ProviderError): void {
    if (!e.fallbackAllowed) return;
    const h = this.health.get(d.ref) ?? { consecutive: 0, until: 0 };
    this.health.set(d.ref, h);
    h.consecutive++;
    if (h.consecutive >= this.settings.cooldown.failures && this.settings.cooldown.cooldownMs > 0) {
      h.consecutive = 0;
      h.until = this.clock.now() + this.settings.cooldown.cooldownMs;
      this.observer.cooledDown?.(d);
    }
  }
}

export function newState(): RouteState {
  return { attempts: 0, fallbacks: 0 };
}
