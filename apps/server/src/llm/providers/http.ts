/**
 * The HTTP side every provider module shares: one undici Agent per provider, a call scope that joins
 * the caller's abort signal with the provider's timeouts (connect, first token, whole call), JSON and
 * SSE requests, and the one mapping from an upstream failure (status, retry hints, network errors) to
 * a `ProviderError`. SSE framing is eventsource-parser's, not ours.
 */
import { createRequire } from 'node:module';
import type { EventSourceMessage } from 'eventsource-parser';
import { createParser } from 'eventsource-parser';
import type { Dispatcher } from 'undici';
import type { CallOptions, ChatStreamPart, ProviderErrorKind } from '../spec.js';
import { STREAM_DONE as DONE, ProviderError } from '../spec.js';

/** Deadlines for one upstream call; each is off when absent. */
export interface ProviderTimeouts {
  /** TCP (+TLS) connection set-up. */
  connectMs?: number;
  /** Streaming only: from sending the request to the first stream part (headers included). */
  firstTokenMs?: number;
  /** The whole call, streamed or not, body included. */
  totalMs?: number;
}

export interface HttpClientOptions {
  /** The provider's name, for errors. */
  provider: string;
  baseURL: string;
  /** Sent on every call (auth, versions, configured extras). */
  headers: Record<string, string>;
  timeouts?: ProviderTimeouts;
  /** What the upstream's error body says: message, code, the field blamed, and a kind when the body knows better than the status. */
  parseErrorBody: (body: unknown) => UpstreamErrorBody | undefined;
}

export interface UpstreamErrorBody {
  message?: string;
  code?: string;
  param?: string;
  kind?: ProviderErrorKind;
  retryAfterMs?: number;
}

export interface RequestSpec {
  method: 'GET' | 'POST';
  /** Appended to `baseURL` (may carry a query string). */
  path: string;
  body?: unknown;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** Arms the first-token deadline (streaming calls). */
  streaming?: boolean;
}

/**
 * One upstream call: the abort controller that the caller's signal and the deadlines feed, and the
 * reason it was aborted, so a failure is reported as what caused it (timeout vs client gone).
 */
export class CallScope {
  readonly controller = new AbortController();
  private reason: ProviderError | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private firstTokenTimer: NodeJS.Timeout | undefined;
  private readonly onCallerAbort = () =>
    this.abort(new ProviderError('aborted', 'the caller aborted the request', { provider: this.provider }));

  constructor(
    private readonly provider: string,
    timeouts: ProviderTimeouts | undefined,
    private readonly callerSignal: AbortSignal | undefined,
    streaming: boolean,
  ) {
    if (callerSignal?.aborted) this.onCallerAbort();
    else callerSignal?.addEventListener('abort', this.onCallerAbort, { once: true });
    if (timeouts?.totalMs !== undefined) {
      const ms = timeouts.totalMs;
      this.timers.push(setTimeout(() => this.abort(this.timeout(`no complete answer within ${ms} ms`)), ms));
    }
    if (streaming && timeouts?.firstTokenMs !== undefined) {
      const ms = timeouts.firstTokenMs;
      this.firstTokenTimer = setTimeout(() => this.abort(this.timeout(`no first token within ${ms} ms`)), ms);
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The first stream part arrived: the first-token deadline is met. */
  firstToken(): void {
    if (this.firstTokenTimer !== undefined) {
      clearTimeout(this.firstTokenTimer);
      this.firstTokenTimer = undefined;
    }
  }

  /** Throws the abort reason if the call was aborted (checked before any network work). */
  throwIfAborted(): void {
    if (this.reason) throw this.reason;
  }

  /** What `err` means for the router: the abort reason when we aborted, else the network failure classified. */
  error(err: unknown): ProviderError {
    if (this.reason) return this.reason;
    if (err instanceof ProviderError) return err;
    return networkError(this.provider, err);
  }

  dispose(): void {
    for (const t of this.timers) clearTimeout(t);
    this.firstToken();
    this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
  }

  private timeout(message: string): ProviderError {
    return new ProviderError('timeout', message, { provider: this.provider });
  }

  private abort(reason: ProviderError): void {
    if (this.reason) return;
    this.reason = reason;
    this.controller.abort(reason);
  }
}

/** Turns one provider's server-sent events into canonical parts (driven by `HttpClient.streamParts`). */
export interface EventTranslator {
  /** The parts one event carries, in order; throws a ProviderError for an error event. */
  event(event: EventSourceMessage): ChatStreamPart[];
  /** Set once the wire said the answer is over (`[DONE]`, `message_stop`): reading stops there. */
  readonly done: boolean;
  /** A failure to raise once the last event's parts are out (a finish that is an error). */
  readonly failure: ProviderError | undefined;
  /** The stream ended: the last parts (usage), or the error of an answer cut short. */
  end(): ChatStreamPart[];
}

/** A call's signal and extra headers, as a RequestSpec takes them. */
export function callSpec(call: CallOptions | undefined): {
  signal?: AbortSignal;
  headers?: Record<string, string>;
} {
  return {
    ...(call?.signal ? { signal: call.signal } : {}),
    ...(call?.headers ? { headers: call.headers } : {}),
  };
}

/**
 * How long an idle upstream connection is kept for the next call (a server's own `Keep-Alive:
 * timeout=` hint wins when shorter): a new TCP (+TLS) connection per call costs more than the call.
 */
const KEEP_ALIVE_MS = 10_000;

/** A provider's connection to its upstream; `close()` releases pooled sockets. */
export class HttpClient {
  /** One keep-alive pool for the upstream's origin, called by path (no URL parsed per call). */
  private readonly dispatcher: Dispatcher;
  /** The base URL's path (`/v1`), put before every request's path. */
  private readonly basePath: string;

  constructor(private readonly options: HttpClientOptions) {
    const connectMs = options.timeouts?.connectMs;
    const url = new URL(options.baseURL);
    this.basePath = url.pathname.replace(/\/+$/, '') + url.search;
    // undici loads with the first provider, not with every server (~100 ms of imports).
    const { Pool } = createRequire(import.meta.url)('undici') as typeof import('undici');
    this.dispatcher = new Pool(url.origin, {
      keepAliveTimeout: KEEP_ALIVE_MS,
      pipelining: 1,
      ...(connectMs === undefined ? {} : { connect: { timeout: connectMs } }),
    });
  }

  get provider(): string {
    return this.options.provider;
  }

  scope(signal: AbortSignal | undefined, streaming: boolean): CallScope {
    return new CallScope(this.options.provider, this.options.timeouts, signal, streaming);
  }

  /** A JSON request answered with JSON; non-2xx becomes a ProviderError. */
  async json<T>(
    spec: RequestSpec,
  ): Promise<{ body: T; headers: Record<string, string | string[] | undefined> }> {
    const scope = this.scope(spec.signal, false);
    try {
      scope.throwIfAborted();
      const res = await this.send(spec, scope);
      const text = await res.body.text();
      if (res.statusCode < 200 || res.statusCode >= 300)
        throw this.statusError(res.statusCode, res.headers, text);
      return { body: parseJson<T>(this.options.provider, text), headers: res.headers };
    } catch (err) {
      throw scope.error(err);
    } finally {
      scope.dispose();
    }
  }

  /**
   * A JSON request answered with server-sent events. The scope is the caller's to dispose (it spans
   * the whole stream); a non-2xx answer becomes a ProviderError before any event.
   */
  async sse(spec: RequestSpec, scope: CallScope): Promise<AsyncGenerator<EventSourceMessage>> {
    return sseEvents(await this.eventStream(spec, scope));
  }

  /** The body of an event-stream answer to `spec`; a non-2xx or non-SSE answer becomes a ProviderError. */
  private async eventStream(spec: RequestSpec, scope: CallScope): Promise<Dispatcher.ResponseData['body']> {
    scope.throwIfAborted();
    const res = await this.send(spec, scope);
    if (res.statusCode < 200 || res.statusCode >= 300) {
      throw this.statusError(res.statusCode, res.headers, await res.body.text());
    }
    const type = headerValue(res.headers, 'content-type') ?? '';
    if (!type.startsWith('text/event-stream')) {
      const text = await res.body.text();
      // Some servers answer a stream request with a JSON error and a 200.
      throw (
        this.bodyError(text) ?? badResponse(this.options.provider, `expected an event stream, got "${type}"`)
      );
    }
    return res.body;
  }

  /**
   * A streamed chat call: `spec` sent for an event stream, each event through `translator`, the parts
   * handed out as they come; the first part meets the first-token deadline; any failure (status,
   * network, deadline, abort, error event) is thrown as one ProviderError, and a consumer that stops
   * reading closes the upstream connection. The request goes out on the first next(), so a refused
   * one fails there, as a stream's failure.
   *
   * Written by hand over the body's 'data' events rather than as an async generator over its
   * async iterator: every upstream chunk of every stream passes here, and those two layers cost
   * several promises and objects per chunk (bench/RESULTS.md). The body is paused while parts wait
   * to be read, so a slow reader slows the upstream (backpressure), as a `for await` would.
   */
  streamParts(
    spec: Pick<RequestSpec, 'method' | 'path' | 'body'>,
    call: CallOptions | undefined,
    translator: EventTranslator,
  ): AsyncIterableIterator<ChatStreamPart> {
    // Made on the first next(), when the call starts: its deadlines run from then.
    let scope: CallScope | undefined;
    const queue: ChatStreamPart[] = [];
    let head = 0;
    /** Set once the parts before it are out: thrown then (an error event, a finish that is one). */
    let failure: unknown;
    /** The wire said the answer is over, or the body ended: no more parts will come from it. */
    let ended = false;
    let state: 'new' | 'open' | 'closed' = 'new';
    let body: Dispatcher.ResponseData['body'] | undefined;
    let drained = false;
    let resolvePending: ((step: IteratorResult<ChatStreamPart>) => void) | undefined;
    let rejectPending: ((err: unknown) => void) | undefined;
    const decoder = new TextDecoder();
    const parser = createParser({
      onEvent: (event) => {
        // Events after the answer's end (`[DONE]`) are not read.
        if (ended || failure !== undefined || translator.done) return;
        try {
          const out = translator.event(event);
          for (let i = 0; i < out.length; i++) queue.push(out[i]!);
          if (translator.failure) failure = translator.failure;
        } catch (err) {
          failure = err;
        }
      },
    });
    const stopListening = () => {
      body?.off('data', onData).off('end', onEnd).off('error', onBodyError);
    };
    /** The stream is over: the last parts (usage) queued, or the error of an answer cut short. */
    const finishParts = () => {
      ended = true;
      stopListening();
      if (failure !== undefined) return;
      try {
        for (const p of translator.end()) queue.push(p);
      } catch (err) {
        failure = err;
      }
    };
    /** Ends the call: the upstream released (read to its end, or destroyed when cut short). */
    const close = () => {
      if (state === 'closed') return;
      state = 'closed';
      stopListening();
      // undici's body emits the AbortError it builds for a destroy without a reason; nobody is
      // reading it any more.
      if (!drained && body) {
        body.on('error', () => {});
        body.destroy();
      }
      // Cut short while the request was going out: it is aborted (open() drops a late answer).
      if (!body && !ended)
        scope?.controller.abort(
          new ProviderError('aborted', 'the caller stopped reading', { provider: this.provider }),
        );
      scope?.dispose();
    };
    /** Hands the pending next() what is ready: a part, the failure once the parts are out, or the end. */
    const deliver = () => {
      if (!resolvePending) return;
      const resolve = resolvePending;
      const reject = rejectPending!;
      if (head < queue.length) {
        resolvePending = undefined;
        rejectPending = undefined;
        const value = queue[head++]!;
        if (head === queue.length) {
          queue.length = 0;
          head = 0;
        }
        resolve({ done: false, value });
      } else if (failure !== undefined) {
        resolvePending = undefined;
        rejectPending = undefined;
        const e = scope!.error(failure);
        close();
        reject(e);
      } else if (ended) {
        resolvePending = undefined;
        rejectPending = undefined;
        close();
        resolve(DONE);
      }
    };
    const onData = (chunk: Uint8Array) => {
      parser.feed(decoder.decode(chunk, { stream: true }));
      if (head < queue.length) scope!.firstToken();
      if (translator.done || failure !== undefined) {
        if (failure === undefined) {
          // The answer is over (`[DONE]`): the rest of the body (its end, usually) is read and
          // dropped, so the connection goes back to the pool; destroying the body would close it
          // (and build an AbortError) on every call.
          drained = true;
          stopListening();
          body!.dump().catch(() => {});
        }
        finishParts();
      }
      if (resolvePending) deliver();
      // Parts wait for the reader: the upstream waits too.
      if (!ended && head < queue.length) body!.pause();
    };
    const onEnd = () => {
      drained = true;
      parser.feed(decoder.decode());
      parser.reset({ consume: true });
      finishParts();
      deliver();
    };
    const onBodyError = (err: unknown) => {
      if (failure === undefined) failure = err;
      ended = true;
      stopListening();
      // Parts already parsed are still handed out first.
      deliver();
    };
    const open = async (scope: CallScope) => {
      try {
        body = await this.eventStream({ ...spec, streaming: true, ...callSpec(call) }, scope);
      } catch (err) {
        failure = err;
        ended = true;
        deliver();
        return;
      }
      if (state === 'closed') {
        // return() came while the request was going out.
        body.on('error', () => {});
        body.destroy();
        return;
      }
      state = 'open';
      body.on('data', onData).on('end', onEnd).on('error', onBodyError);
    };
    const pull = (resolve: typeof resolvePending, reject: typeof rejectPending) => {
      resolvePending = resolve;
      rejectPending = reject;
      deliver();
      if (!resolvePending || ended) return;
      if (state === 'new') {
        state = 'open';
        scope = this.scope(call?.signal, true);
        void open(scope);
      } else body?.resume();
    };
    const parts: AsyncIterableIterator<ChatStreamPart> = {
      [Symbol.asyncIterator]: () => parts,
      next: () => {
        if (state === 'closed') return Promise.resolve(DONE);
        return new Promise(pull);
      },
      return: () => {
        const resolve = resolvePending;
        resolvePending = undefined;
        rejectPending = undefined;
        close();
        resolve?.(DONE);
        return Promise.resolve(DONE);
      },
    };
    return parts;
  }

  /** A ProviderError from an error event's JSON payload (mid-stream), or undefined when it is not one. */
  bodyError(text: string, status?: number): ProviderError | undefined {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return undefined;
    }
    const info = this.options.parseErrorBody(parsed);
    if (!info) return undefined;
    return new ProviderError(info.kind ?? (status ? kindForStatus(status) : 'server'), info.message ?? text, {
      provider: this.options.provider,
      ...(status === undefined ? {} : { status }),
      ...(info.code === undefined ? {} : { upstreamCode: info.code }),
      ...(info.param === undefined ? {} : { param: info.param }),
      ...(info.retryAfterMs === undefined ? {} : { retryAfterMs: info.retryAfterMs }),
    });
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private send(spec: RequestSpec, scope: CallScope): Promise<Dispatcher.ResponseData> {
    const headers: Record<string, string> = { ...this.options.headers, ...spec.headers };
    if (spec.body !== undefined) headers['content-type'] = 'application/json';
    if (spec.streaming) headers.accept = 'text/event-stream';
    return this.dispatcher.request({
      path: this.basePath + spec.path,
      method: spec.method,
      headers,
      body: spec.body === undefined ? null : JSON.stringify(spec.body),
      signal: scope.signal,
    });
  }

  private statusError(
    status: number,
    headers: Record<string, string | string[] | undefined>,
    text: string,
  ): ProviderError {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const info = parsed === undefined ? undefined : this.options.parseErrorBody(parsed);
    const retryAfterMs = retryAfter(headers) ?? info?.retryAfterMs;
    const message = info?.message ?? (text.trim().slice(0, 500) || `HTTP ${status}`);
    return new ProviderError(info?.kind ?? kindForStatus(status), message, {
      provider: this.options.provider,
      status,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      ...(info?.code === undefined ? {} : { upstreamCode: info.code }),
      ...(info?.param === undefined ? {} : { param: info.param }),
    });
  }
}

/** The router's reading of an upstream status (the error body may refine it). */
export function kindForStatus(status: number): ProviderErrorKind {
  if (status === 401 || status === 402 || status === 403) return 'auth';
  if (status === 408) return 'timeout';
  if (status === 429) return 'rate-limited';
  // 409 is a lock conflict on OpenAI's side: the official SDKs retry it.
  if (status === 409 || status >= 500) return 'server';
  if (status >= 400) return 'invalid-request';
  return 'bad-response';
}

/**
 * `retry-after-ms` (milliseconds, OpenAI's) wins over `retry-after` (seconds or an HTTP date).
 * @example retryAfter({ 'retry-after': '2' }) // 2000
 */
export function retryAfter(headers: Record<string, string | string[] | undefined>): number | undefined {
  const ms = headerValue(headers, 'retry-after-ms');
  if (ms !== undefined) {
    const n = Number(ms);
    if (Number.isFinite(n) && n >= 0) return Math.round(n);
  }
  const value = headerValue(headers, 'retry-after');
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (value.trim() !== '' && Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - Date.now());
}

function headerValue(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

/** A failure with no HTTP answer: a timeout of undici's own, or a connection that could not be made or broke. */
export function networkError(provider: string, err: unknown): ProviderError {
  let code: string | undefined;
  for (
    let e = err;
    typeof e === 'object' && e !== null && code === undefined;
    e = (e as { cause?: unknown }).cause
  ) {
    code = (e as { code?: string }).code;
  }
  const message = err instanceof Error ? err.message : String(err);
  const kind: ProviderErrorKind = code !== undefined && TIMEOUT_CODES.has(code) ? 'timeout' : 'connection';
  return new ProviderError(kind, `${provider}: ${message}`, {
    provider,
    ...(code === undefined ? {} : { upstreamCode: code }),
    cause: err,
  });
}

export function badResponse(provider: string, message: string, cause?: unknown): ProviderError {
  return new ProviderError('bad-response', message, { provider, ...(cause === undefined ? {} : { cause }) });
}

/** A request field this provider cannot honour: refused before any network call, naming the OpenAI field. */
export function unsupported(provider: string, param: string, why: string): ProviderError {
  return new ProviderError('invalid-request', `${provider} does not support ${param}: ${why}`, {
    provider,
    param,
    upstreamCode: 'unsupported_parameter',
  });
}

export function parseJson<T>(provider: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw badResponse(
      provider,
      `the upstream answered something that is not JSON: ${text.slice(0, 200)}`,
      err,
    );
  }
}

/** Server-sent events of a byte stream, in order, parsed by eventsource-parser (comments dropped). */
export async function* sseEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<EventSourceMessage> {
  const queue: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => queue.push(event) });
  const decoder = new TextDecoder();
  for await (const chunk of body) {
    parser.feed(decoder.decode(chunk, { stream: true }));
    for (let i = 0; i < queue.length; i++) yield queue[i]!;
    queue.length = 0;
  }
  parser.feed(decoder.decode());
  parser.reset({ consume: true });
  yield* queue;
}
