/**
 * The gateway: one call from a caller to a model, whatever the way in (the `/v1` routes today, the
 * tool loop and MCP later). It resolves the model in the catalog, checks the key's allow-list,
 * reserves the call's worst case against the caller's limits and budgets, routes it (retries,
 * fallbacks, timeouts: router.ts), settles what it used, and records usage for every call —
 * finished, failed or aborted — counting tokens itself when the provider reports none.
 */
import { SpanStatusCode } from '@opentelemetry/api';
import type { LlmConfig } from '../config/llm-config.js';
import type { ChatCompletion, ChatCompletionRequest, EmbeddingList } from '../contract/openai-schemas.js';
import { ModelGardenError } from '../errors/model-garden-error.js';
import { tracer, tracingActive } from '../observability/tracing.js';
import type { CatalogModel, ModelCatalog } from './catalog.js';
import { gatewayError } from './errors.js';
import {
  effectiveLimits,
  type KeySettings,
  type KeySettingsStore,
  modelAllowed,
  NO_SETTINGS,
} from './key-settings.js';
import { hasLimits, type LimitCounter, type Reservation } from './limits.js';
import { chatCompletion, completionId, embeddingList } from './openai-format.js';
import { routeFor, toChatRequest } from './openai-request.js';
import { type LlmRouter, newState, type Route, type RouteState } from './router.js';
import {
  type ChatRequest,
  type ChatStreamPart,
  STREAM_DONE as DONE,
  type ToolCall,
  type Usage,
} from './spec.js';
import { countPrompt, countText, loadTokenizer, tokenizerLoaded } from './tokens.js';
import type { UsageLog } from './usage-log.js';

/** Who is calling, as the gateway counts and limits it. */
export interface GatewayCaller {
  /** `key:<id>`, `user:<id>` (a web session) or `admin-key`. */
  subject: string;
  keyId?: number | undefined;
  userId?: number | undefined;
  requestId?: string | undefined;
}

export interface GatewayCallRecord {
  endpoint: 'chat' | 'embeddings';
  model: string;
  provider: string | null;
  deployment: string | null;
  stream: boolean;
  status: 'ok' | 'error' | 'aborted';
  errorCode: string | null;
  promptTokens: number;
  completionTokens: number;
  durationS: number;
  ttftS: number | null;
  fallbacks: number;
}

/** Implemented by observability (metrics): told about every call and every streamed part's gap. */
export interface GatewayObserver {
  finished(record: GatewayCallRecord): void;
  /** The gaps between one stream's parts go to this series, looked up once per stream, not per part. */
  interTokenSeries(model: string, provider: string): { observe(seconds: number): void };
}

export interface GatewayDeps {
  catalog: ModelCatalog;
  router: LlmRouter;
  limits: LimitCounter;
  keySettings: KeySettingsStore;
  usage: UsageLog;
  config: Pick<LlmConfig, 'defaultLimits' | 'completionReserveTokens' | 'storeContent'>;
  observer?: GatewayObserver;
  now?: () => number;
}

/** A stream opened by the gateway: its parts, and what it used once they have ended. */
export interface GatewayStream {
  id: string;
  created: number;
  model: string;
  parts: AsyncIterable<ChatStreamPart>;
  /** The usage to report (the provider's, or counted): set when the parts have ended. */
  usage(): Usage | undefined;
}

interface Call {
  caller: GatewayCaller;
  endpoint: 'chat' | 'embeddings';
  model: string;
  stream: boolean;
  route: Route;
  state: RouteState;
  started: number;
  reservation: Reservation | null;
  storeContent: boolean;
  span: ReturnType<ReturnType<typeof tracer>['startSpan']> | undefined;
}

export class LlmGateway {
  private readonly now: () => number;

  constructor(private readonly deps: GatewayDeps) {
    this.now = deps.now ?? (() => performance.now());
  }

  get catalog(): ModelCatalog {
    return this.deps.catalog;
  }

  private async settingsOf(caller: GatewayCaller): Promise<KeySettings> {
    return caller.keyId === undefined ? NO_SETTINGS : this.deps.keySettings.get(caller.keyId);
  }

  /** The models this caller may use. */
  async models(caller: GatewayCaller): Promise<CatalogModel[]> {
    const settings = await this.settingsOf(caller);
    return this.deps.catalog.list().filter((m) => modelAllowed(settings.allowedModels, m.id));
  }

  async model(caller: GatewayCaller, id: string): Promise<CatalogModel> {
    const settings = await this.settingsOf(caller);
    const m = modelAllowed(settings.allowedModels, id) ? this.deps.catalog.get(id) : undefined;
    if (!m)
      throw new ModelGardenError('MODEL_NOT_FOUND', `The model \`${id.slice(0, 200)}\` does not exist`, {
        details: { param: 'model' },
      });
    return m;
  }

  /**
   * Everything before the upstream call: resolve, allow-list, reserve. Throws the caller-facing
   * error (404, 403, 429), which is then recorded like every other outcome.
   */
  private async open(
    caller: GatewayCaller,
    endpoint: Call['endpoint'],
    model: string,
    stream: boolean,
    estimate: () => number,
    request?: Omit<ChatRequest, 'model'>,
  ): Promise<Call> {
    const started = this.now();
    const settings = await this.settingsOf(caller);
    if (!modelAllowed(settings.allowedModels, model))
      throw new ModelGardenError('MODEL_NOT_ALLOWED', `This API key may not use the model \`${model}\``, {
        details: { param: 'model' },
      });
    let route = this.deps.catalog.resolve(model);
    if (request) route = routeFor(route, request);
    if (!tokenizerLoaded()) await loadTokenizer();
    const limits = effectiveLimits(settings, this.deps.config.defaultLimits);
    let reservation: Reservation | null = null;
    if (hasLimits(limits)) {
      const tokenLimited =
        limits.tokensPerMinute !== undefined ||
        limits.tokensPerDay !== undefined ||
        limits.tokensPerMonth !== undefined;
      // The completion may not use more than was reserved for it.
      if (tokenLimited && request && request.maxTokens === undefined)
        request.maxTokens = this.deps.config.completionReserveTokens;
      reservation = await this.deps.limits.reserve(caller.subject, limits, tokenLimited ? estimate() : 0);
    }
    const span = tracingActive()
      ? tracer().startSpan('llm.gateway', {
          attributes: {
            'gen_ai.request.model': model,
            'modelgarden.llm.endpoint': endpoint,
            'modelgarden.llm.stream': stream,
          },
        })
      : undefined;
    return {
      caller,
      endpoint,
      model,
      stream,
      route,
      state: newState(),
      started,
      reservation,
      storeContent: this.deps.config.storeContent || settings.storeContent,
      span,
    };
  }

  /** open() for a chat call: its worst case is the prompt plus the completion tokens it may use. */
  private openChat(
    caller: GatewayCaller,
    model: string,
    stream: boolean,
    request: Omit<ChatRequest, 'model'>,
  ) {
    const worstCase = () => countPrompt(request.messages, request.tools) + (request.maxTokens ?? 0);
    return this.open(caller, 'chat', model, stream, worstCase, request);
  }

  /** A non-streamed chat completion in OpenAI's shape. */
  async chat(
    caller: GatewayCaller,
    body: ChatCompletionRequest,
    signal?: AbortSignal,
  ): Promise<ChatCompletion> {
    const request = toChatRequest(body);
    const started = this.now();
    let call: Call | undefined;
    try {
      call = await this.openChat(caller, body.model, false, request);
      const result = await this.deps.router.chat(call.route, request, signal ? { signal } : {}, call.state);
      const estimated = result.usage === undefined;
      const usage = result.usage ?? counted(request, result.content ?? '', result.toolCalls);
      this.finish(call, 'ok', null, usage, estimated, null, {
        prompt: request.messages,
        answer: { content: result.content, toolCalls: result.toolCalls },
      });
      return chatCompletion(completionId(), Math.floor(Date.now() / 1000), body.model, result, usage);
    } catch (err) {
      const e = gatewayError(err, body.model);
      this.failed(call, caller, 'chat', body.model, false, started, e, request);
      throw e;
    }
  }

  /**
   * Opens a streamed chat completion. Errors before the first part (404, 429, every deployment
   * down) are thrown here, so the HTTP layer answers them as plain JSON errors; errors after it
   * come out of `parts` (as ModelGardenErrors).
   */
  async stream(
    caller: GatewayCaller,
    body: ChatCompletionRequest,
    signal?: AbortSignal,
  ): Promise<GatewayStream> {
    const request = toChatRequest(body);
    const started = this.now();
    let call: Call | undefined;
    try {
      call = await this.openChat(caller, body.model, true, request);
    } catch (err) {
      const e = gatewayError(err, body.model);
      this.failed(undefined, caller, 'chat', body.model, true, started, e, request);
      throw e;
    }
    const routed = this.deps.router.stream(call.route, request, signal ? { signal } : {}, call.state);
    const it = routed[Symbol.asyncIterator]();
    // The first part is awaited here: a stream that cannot start is an HTTP error, not an SSE one.
    let first: IteratorResult<ChatStreamPart>;
    try {
      first = await it.next();
    } catch (err) {
      const e = gatewayError(err, body.model);
      this.failed(call, caller, 'chat', body.model, true, started, e, request);
      throw e;
    }
    const firstAt = this.now();
    let usage: Usage | undefined;
    const parts = this.streamedParts(call, request, it, first, firstAt, (u) => {
      usage = u;
    });
    return {
      id: completionId(),
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      parts,
      usage: () => usage,
    };
  }

  /**
   * A stream's parts as the caller reads them, each observed on its way (text and tool calls kept
   * for counting and storing, the usage part, the gaps between parts) and the call finished once
   * they end, fail or the caller stops: written by hand rather than as an async generator, whose
   * layer cost several promises and objects per part (bench/RESULTS.md). One promise per part.
   */
  private streamedParts(
    opened: Call,
    request: Omit<ChatRequest, 'model'>,
    it: AsyncIterator<ChatStreamPart>,
    first: IteratorResult<ChatStreamPart>,
    firstAt: number,
    setUsage: (usage: Usage) => void,
  ): AsyncIterableIterator<ChatStreamPart> {
    const texts: string[] = [];
    const calls = new Map<number, ToolCall>();
    let reported: Usage | undefined;
    const provider = opened.state.served?.provider.name ?? 'unknown';
    const gaps = this.deps.observer?.interTokenSeries(opened.model, provider);
    let last = this.now();
    let pendingFirst: IteratorResult<ChatStreamPart> | undefined = first;
    let closed = false;
    const observe = (p: ChatStreamPart) => {
      if (p.type === 'text-delta' || p.type === 'refusal-delta') texts.push(p.text);
      else if (p.type === 'tool-call-start')
        calls.set(p.index, { id: p.id, type: 'function', function: { name: p.name, arguments: '' } });
      else if (p.type === 'tool-call-delta') {
        const c = calls.get(p.index);
        if (c) c.function.arguments += p.argumentsDelta;
      } else if (p.type === 'usage') reported = p.usage;
    };
    const end = (status: 'ok' | 'error' | 'aborted', error: ModelGardenError | null) => {
      closed = true;
      if (status === 'aborted') void it.return?.(undefined).catch(() => {});
      const text = texts.join('');
      const toolCalls = [...calls.values()];
      const usage = reported ?? counted(request, text, toolCalls);
      setUsage(usage);
      this.finish(opened, status, error, usage, reported === undefined, firstAt, {
        prompt: request.messages,
        answer: { content: text, toolCalls },
      });
    };
    /** A part on its way to the caller (kept for counting), or the end: the call finished as ok. */
    const take = (step: IteratorResult<ChatStreamPart>): IteratorResult<ChatStreamPart> => {
      if (step.done) {
        end('ok', null);
        return DONE;
      }
      observe(step.value);
      return step;
    };
    const onStep = (step: IteratorResult<ChatStreamPart>): IteratorResult<ChatStreamPart> => {
      if (closed) return DONE;
      const now = this.now();
      gaps?.observe((now - last) / 1000);
      last = now;
      return take(step);
    };
    const onError = (err: unknown): never => {
      const error = gatewayError(err, opened.model);
      if (!closed) end(error.code === 'CANCELLED' ? 'aborted' : 'error', error);
      throw error;
    };
    const parts: AsyncIterableIterator<ChatStreamPart> = {
      [Symbol.asyncIterator]: () => parts,
      next: () => {
        if (closed) return Promise.resolve(DONE);
        if (pendingFirst) {
          const step = pendingFirst;
          pendingFirst = undefined;
          return Promise.resolve(take(step));
        }
        return it.next().then(onStep, onError);
      },
      // The caller stopped reading (client gone): the upstream is stopped and the call recorded as aborted.
      return: () => {
        if (!closed) end('aborted', null);
        return Promise.resolve(DONE);
      },
    };
    return parts;
  }

  async embed(
    caller: GatewayCaller,
    body: {
      model: string;
      input: string[];
      dimensions?: number | undefined;
      user?: string | undefined;
      encoding_format?: 'float' | 'base64' | undefined;
    },
    signal?: AbortSignal,
  ): Promise<EmbeddingList> {
    const started = this.now();
    let call: Call | undefined;
    const estimate = () => body.input.reduce((s, t) => s + countText(t), 0);
    try {
      call = await this.open(caller, 'embeddings', body.model, false, estimate);
      const able = (d: Route['deployments'][number]) =>
        d.provider.capabilities.embeddings && d.provider.embed;
      const route = {
        ...call.route,
        deployments: call.route.deployments.filter(able),
        fallbacks: call.route.fallbacks.filter(able),
      };
      if (route.deployments.length + route.fallbacks.length === 0)
        throw new ModelGardenError(
          'UNSUPPORTED_PARAMETER',
          `The model \`${body.model}\` does not serve embeddings`,
          {
            details: { param: 'model' },
          },
        );
      if (route.deployments.length === 0)
        Object.assign(route, { deployments: route.fallbacks, fallbacks: [] });
      const result = await this.deps.router.embed(
        route,
        {
          input: body.input,
          ...(body.dimensions ? { dimensions: body.dimensions } : {}),
          ...(body.user ? { user: body.user } : {}),
        },
        signal ? { signal } : {},
        call.state,
      );
      if (result.embeddings.length !== body.input.length)
        throw new ModelGardenError(
          'UPSTREAM_ERROR',
          `The provider returned ${result.embeddings.length} vectors for ${body.input.length} inputs`,
        );
      const promptTokens = result.usage?.promptTokens ?? estimate();
      this.finish(call, 'ok', null, { promptTokens, completionTokens: 0 }, result.usage === undefined, null, {
        prompt: body.input,
        answer: null,
      });
      return embeddingList(body.model, result.embeddings, body.encoding_format === 'base64', promptTokens);
    } catch (err) {
      const e = gatewayError(err, body.model);
      this.failed(call, caller, 'embeddings', body.model, false, started, e, undefined);
      throw e;
    }
  }

  /** Records a call that failed (before it opened, when `call` is undefined). */
  private failed(
    call: Call | undefined,
    caller: GatewayCaller,
    endpoint: Call['endpoint'],
    model: string,
    stream: boolean,
    started: number,
    error: ModelGardenError,
    request: Omit<ChatRequest, 'model'> | undefined,
  ): void {
    const status = error.code === 'CANCELLED' ? 'aborted' : 'error';
    const c: Call = call ?? {
      caller,
      endpoint,
      model,
      stream,
      route: { model, deployments: [], fallbacks: [] },
      state: newState(),
      started,
      reservation: null,
      storeContent: false,
      span: undefined,
    };
    this.finish(c, status, error, { promptTokens: 0, completionTokens: 0 }, false, null, {
      prompt: request?.messages ?? null,
      answer: null,
    });
  }

  private finish(
    call: Call,
    status: 'ok' | 'error' | 'aborted',
    error: ModelGardenError | null,
    usage: Usage,
    estimated: boolean,
    firstPartAt: number | null,
    content: { prompt: unknown; answer: unknown },
  ): void {
    const durationMs = this.now() - call.started;
    const used = usage.promptTokens + usage.completionTokens;
    if (call.reservation) this.deps.limits.settle(call.reservation, used);
    const served = call.state.served;
    const known = call.route.deployments.length + call.route.fallbacks.length > 0;
    const ttftMs = firstPartAt === null ? null : Math.max(0, firstPartAt - call.started);
    this.deps.usage.record({
      at: new Date(),
      requestId: call.caller.requestId ?? null,
      keyId: call.caller.keyId ?? null,
      userId: call.caller.userId ?? null,
      subject: call.caller.subject,
      endpoint: call.endpoint,
      model: call.model.slice(0, 256),
      provider: served?.provider.name ?? null,
      deployment: served?.ref ?? null,
      stream: call.stream,
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      tokensEstimated: estimated,
      timeToFirstTokenMs: ttftMs,
      durationMs,
      status,
      errorCode: error?.code ?? null,
      httpStatus: error ? error.status : 200,
      attempts: call.state.attempts,
      fallbacks: call.state.fallbacks,
      prompt: call.storeContent ? content.prompt : null,
      answer: call.storeContent ? content.answer : null,
    });
    this.deps.observer?.finished({
      endpoint: call.endpoint,
      // Only names the catalog resolved become label values (bounded); anything else is `unknown`.
      model: known ? call.model : 'unknown',
      provider: served?.provider.name ?? null,
      deployment: served?.ref ?? null,
      stream: call.stream,
      status,
      errorCode: error?.code ?? null,
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      durationS: durationMs / 1000,
      ttftS: ttftMs === null ? null : ttftMs / 1000,
      fallbacks: call.state.fallbacks,
    });
    if (call.span) {
      call.span.setAttributes({
        'gen_ai.usage.input_tokens': usage.promptTokens,
        'gen_ai.usage.output_tokens': usage.completionTokens,
        'modelgarden.llm.attempts': call.state.attempts,
        'modelgarden.llm.fallbacks': call.state.fallbacks,
        ...(served
          ? { 'gen_ai.system': served.provider.name, 'modelgarden.llm.deployment': served.ref }
          : {}),
      });
      if (error) call.span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      call.span.end();
    }
  }
}

/** Usage counted with the tokenizer, for an upstream that reported none. */
function counted(request: Omit<ChatRequest, 'model'>, text: string, calls: ToolCall[]): Usage {
  return {
    promptTokens: countPrompt(request.messages, request.tools),
    completionTokens: countText(text) + countCalls(calls),
  };
}

function countCalls(calls: ToolCall[]): number {
  let n = 0;
  for (const c of calls) n += countText(c.function.name) + countText(c.function.arguments);
  return n;
}
