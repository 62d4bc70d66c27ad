/**
 * OpenAI and every server that speaks its chat-completions wire format (Ollama's `/v1`, vLLM,
 * llama.cpp's server, LM Studio). Requests are nearly a pass-through; streams are normalised to the
 * canonical parts: Ollama's whole-call tool chunks (with or without `index`, parallel calls sharing
 * one index), vLLM's opening deltas without `arguments`, and `stop` finishing a turn that called tools.
 */
import { randomUUID } from 'node:crypto';
import type { EventSourceMessage } from 'eventsource-parser';
import type {
  CallOptions,
  ChatRequest,
  ChatResult,
  ChatStreamPart,
  EmbeddingRequest,
  EmbeddingResult,
  FinishReason,
  LlmProvider,
  ProviderCapabilities,
  ProviderModel,
  ToolCall,
  Usage,
} from '../spec.js';
import { ProviderError } from '../spec.js';
import type { EventTranslator, ProviderTimeouts, UpstreamErrorBody } from './http.js';
import { badResponse, callSpec, HttpClient, parseJson } from './http.js';

export interface OpenAICompatibleOptions {
  /** The name models are offered under (`openai`, `ollama`, `vllm`, …). */
  name: string;
  /** Up to and including the version, e.g. `https://api.openai.com/v1`, `http://127.0.0.1:11434/v1`. */
  baseURL: string;
  /** Sent as `Authorization: Bearer …` when present (local servers need none). */
  apiKey?: string;
  headers?: Record<string, string>;
  timeouts?: ProviderTimeouts;
  /**
   * Which body field carries `maxTokens`: OpenAI's newer models refuse `max_tokens`, while some
   * compatible servers only know it. Default `max_tokens`.
   */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
  /** Ask for the usage chunk (`stream_options.include_usage`) on streams. Default true. */
  streamUsage?: boolean;
  /**
   * Send `developer` messages as `system`: servers other than OpenAI's run the messages through a chat
   * template that knows system, user, assistant and tool, and may drop a role it does not know.
   * Default false.
   */
  developerAsSystem?: boolean;
}

const CAPABILITIES: ProviderCapabilities = {
  tools: true,
  images: true,
  embeddings: true,
  seed: true,
  responseFormat: true,
  penalties: true,
};

/** The parts of the wire format this module reads (everything else is ignored). */
interface WireToolCallFragment {
  index?: number;
  id?: string | null;
  type?: string;
  function?: { name?: string | null; arguments?: string | Record<string, unknown> | null };
}

interface WireUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
}

interface WireChunk {
  id?: string;
  model?: string;
  choices?: Array<{
    index?: number;
    delta?: { content?: string | null; refusal?: string | null; tool_calls?: WireToolCallFragment[] | null };
    finish_reason?: string | null;
  }>;
  usage?: WireUsage | null;
  error?: unknown;
}

interface WireCompletion {
  id?: string;
  model?: string;
  choices?: Array<{
    index?: number;
    message?: {
      content?: string | null;
      refusal?: string | null;
      tool_calls?: WireToolCallFragment[] | null;
    };
    finish_reason?: string | null;
  }>;
  usage?: WireUsage | null;
}

export function createOpenAICompatibleProvider(options: OpenAICompatibleOptions): LlmProvider {
  const headers: Record<string, string> = { ...options.headers };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  const http = new HttpClient({
    provider: options.name,
    baseURL: options.baseURL.replace(/\/+$/, ''),
    headers,
    ...(options.timeouts ? { timeouts: options.timeouts } : {}),
    parseErrorBody: parseOpenAIErrorBody,
  });
  const name = options.name;

  return {
    name,
    kind: 'openai-compatible',
    capabilities: CAPABILITIES,

    async chat(request: ChatRequest, call?: CallOptions): Promise<ChatResult> {
      const { body } = await http.json<WireCompletion>({
        method: 'POST',
        path: '/chat/completions',
        body: toWireRequest(request, options, false),
        ...callSpec(call),
      });
      return fromWireCompletion(name, body);
    },

    // streamParts sends the request on the first next(), so a refused request throws there, as a
    // stream's failure, not at the call (building the body cannot throw); returned as it is, not
    // through a `yield*` that would add a promise hop per part.
    streamChat(request: ChatRequest, call?: CallOptions): AsyncIterableIterator<ChatStreamPart> {
      const body = toWireRequest(request, options, true);
      const translator = new OpenAIStreamTranslator(name, (data) => http.bodyError(data));
      return http.streamParts({ method: 'POST', path: '/chat/completions', body }, call, translator);
    },

    async embed(request: EmbeddingRequest, call?: CallOptions): Promise<EmbeddingResult> {
      const { body } = await http.json<{
        data?: Array<{ index?: number; embedding?: number[] | string }>;
        model?: string;
        usage?: { prompt_tokens?: number };
      }>({
        method: 'POST',
        path: '/embeddings',
        body: {
          model: request.model,
          input: request.input,
          encoding_format: 'float',
          ...(request.dimensions === undefined ? {} : { dimensions: request.dimensions }),
          ...(request.user === undefined ? {} : { user: request.user }),
        },
        ...callSpec(call),
      });
      const data = [...(body.data ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
      if (data.length !== request.input.length) {
        throw badResponse(name, `asked for ${request.input.length} embeddings, got ${data.length}`);
      }
      return {
        embeddings: data.map((d) =>
          typeof d.embedding === 'string' ? decodeFloat32(d.embedding) : (d.embedding ?? []),
        ),
        ...(body.model ? { model: body.model } : {}),
        ...(body.usage?.prompt_tokens === undefined
          ? {}
          : { usage: { promptTokens: body.usage.prompt_tokens } }),
      };
    },

    async listModels(call?: CallOptions): Promise<ProviderModel[]> {
      const { body } = await http.json<{ data?: Array<{ id: string; created?: number; owned_by?: string }> }>(
        {
          method: 'GET',
          path: '/models',
          ...callSpec(call),
        },
      );
      return (body.data ?? []).map((m) => ({
        id: m.id,
        ...(typeof m.created === 'number' ? { created: m.created } : {}),
        ...(m.owned_by ? { ownedBy: m.owned_by } : {}),
        kind: /embed/i.test(m.id) ? 'embedding' : 'chat',
      }));
    },

    close: () => http.close(),
  };
}

function serverError(provider: string, data: string): ProviderError {
  return new ProviderError('server', `the upstream sent an error event: ${data.slice(0, 500)}`, { provider });
}

/** The body of `POST /chat/completions`. */
export function toWireRequest(
  request: ChatRequest,
  options: Pick<OpenAICompatibleOptions, 'maxTokensField' | 'streamUsage' | 'developerAsSystem'>,
  stream: boolean,
): Record<string, unknown> {
  const messages = options.developerAsSystem
    ? request.messages.map((m) => (m.role === 'developer' ? { ...m, role: 'system' as const } : m))
    : request.messages;
  const body: Record<string, unknown> = { model: request.model, messages };
  if (request.tools && request.tools.length > 0) {
    body.tools = request.tools;
    if (request.parallelToolCalls !== undefined) body.parallel_tool_calls = request.parallelToolCalls;
  }
  if (request.toolChoice !== undefined) body.tool_choice = request.toolChoice;
  if (request.responseFormat !== undefined) body.response_format = request.responseFormat;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.maxTokens !== undefined) body[options.maxTokensField ?? 'max_tokens'] = request.maxTokens;
  if (request.stop !== undefined && request.stop.length > 0) body.stop = request.stop;
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.presencePenalty !== undefined) body.presence_penalty = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) body.frequency_penalty = request.frequencyPenalty;
  if (request.user !== undefined) body.user = request.user;
  if (stream) {
    body.stream = true;
    if (options.streamUsage ?? true) body.stream_options = { include_usage: true };
  }
  return body;
}

/** `{error:{message,type,code,param}}` (OpenAI, Ollama's /v1), vLLM's top-level `{object:"error",…}`, `{error:"…"}`. */
export function parseOpenAIErrorBody(body: unknown): UpstreamErrorBody | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  const e =
    typeof b.error === 'object' && b.error !== null
      ? (b.error as Record<string, unknown>)
      : b.object === 'error'
        ? b
        : undefined;
  if (!e) return typeof b.error === 'string' ? { message: b.error } : undefined;
  const code = e.code ?? e.type;
  return {
    ...(typeof e.message === 'string' ? { message: e.message } : {}),
    ...(code === undefined || code === null ? {} : { code: String(code) }),
    ...(typeof e.param === 'string' ? { param: e.param } : {}),
  };
}

const FINISH: Record<string, FinishReason> = {
  stop: 'stop',
  eos: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
  content_filter: 'content_filter',
};

/** A wire finish reason; `stop` after tool calls is `tool_calls` (Ollama, some gpt-4o streams). */
function finishReason(raw: string, sawToolCalls: boolean): FinishReason {
  const reason = FINISH[raw] ?? 'stop';
  return reason === 'stop' && sawToolCalls ? 'tool_calls' : reason;
}

function toUsage(u: WireUsage): Usage {
  const cached = u.prompt_tokens_details?.cached_tokens;
  const reasoning = u.completion_tokens_details?.reasoning_tokens;
  return {
    promptTokens: u.prompt_tokens ?? 0,
    completionTokens: u.completion_tokens ?? 0,
    // Zero counts are no details worth reporting (OpenAI sends them on every answer).
    ...(cached ? { cachedPromptTokens: cached } : {}),
    ...(reasoning ? { reasoningTokens: reasoning } : {}),
  };
}

function argumentsText(args: string | Record<string, unknown> | null | undefined): string {
  if (args === undefined || args === null) return '';
  return typeof args === 'string' ? args : JSON.stringify(args);
}

export function fromWireCompletion(provider: string, body: WireCompletion): ChatResult {
  const choice = body.choices?.find((c) => (c.index ?? 0) === 0);
  if (!choice) throw badResponse(provider, 'the answer has no choice');
  const message = choice.message ?? {};
  const toolCalls: ToolCall[] = (message.tool_calls ?? []).map((t) => {
    const name = t.function?.name;
    if (!name) throw badResponse(provider, 'a tool call without a function name');
    return {
      id: t.id || syntheticId(),
      type: 'function',
      function: { name, arguments: argumentsText(t.function?.arguments) },
    };
  });
  return {
    ...(body.id ? { id: body.id } : {}),
    ...(body.model ? { model: body.model } : {}),
    content: message.content ?? null,
    ...(message.refusal === undefined ? {} : { refusal: message.refusal }),
    toolCalls,
    finishReason: finishReason(choice.finish_reason || 'stop', toolCalls.length > 0),
    ...(body.usage ? { usage: toUsage(body.usage) } : {}),
  };
}

function syntheticId(): string {
  return `call_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
}

function decodeFloat32(base64: string): number[] {
  const bytes = Buffer.from(base64, 'base64');
  const out: number[] = [];
  for (let i = 0; i + 4 <= bytes.length; i += 4) out.push(bytes.readFloatLE(i));
  return out;
}

interface OpenCall {
  /** The canonical index (0, 1, … in the order calls appear). */
  index: number;
  id: string | undefined;
  name: string | undefined;
  opened: boolean;
  /** Argument text that came before the call's name (emitted when it opens). */
  pending: string;
}

/**
 * Turns chat-completion chunks into canonical parts, one chunk at a time, keeping every fragment and
 * its order. Tool-call fragments are matched to calls by `index`; a fragment with a new `id` on an
 * index already in use is a new call (Ollama numbering parallel calls all 0), and one without `index`
 * is a new call when it names one, else more of the last call (Ollama before it sent `index`).
 */
export class OpenAIStreamTranslator implements EventTranslator {
  private readonly byWireIndex = new Map<number, OpenCall>();
  private readonly calls: OpenCall[] = [];
  private last: OpenCall | undefined;
  private finished = false;
  private usage: Usage | undefined;
  done = false;
  readonly failure = undefined;

  constructor(
    private readonly provider: string,
    private readonly errorOf: (data: string) => ProviderError | undefined,
  ) {}

  event(event: EventSourceMessage): ChatStreamPart[] {
    if (event.data.startsWith('[DONE]')) {
      this.done = true;
      return [];
    }
    if (event.event === 'error') throw this.errorOf(event.data) ?? serverError(this.provider, event.data);
    const chunk = parseJson<WireChunk>(this.provider, event.data);
    if (chunk.error !== undefined) throw this.errorOf(event.data) ?? serverError(this.provider, event.data);
    return this.push(chunk);
  }

  push(chunk: WireChunk): ChatStreamPart[] {
    const parts: ChatStreamPart[] = [];
    if (chunk.usage) this.usage = toUsage(chunk.usage);
    for (const choice of chunk.choices ?? []) {
      if ((choice.index ?? 0) !== 0) continue;
      const delta = choice.delta ?? {};
      if (delta.content) this.content(parts, { type: 'text-delta', text: delta.content });
      if (delta.refusal) this.content(parts, { type: 'refusal-delta', text: delta.refusal });
      for (const fragment of delta.tool_calls ?? []) this.fragment(parts, fragment);
      if (choice.finish_reason && !this.finished) {
        this.checkAllOpened();
        this.finished = true;
        parts.push({
          type: 'finish',
          finishReason: finishReason(choice.finish_reason, this.calls.length > 0),
        });
      }
    }
    return parts;
  }

  /** The stream is over (`[DONE]` or the body ended): usage last, or an error if the answer never finished. */
  end(): ChatStreamPart[] {
    if (!this.finished) {
      throw new ProviderError('connection', 'the upstream stream ended before the answer finished', {
        provider: this.provider,
      });
    }
    return this.usage ? [{ type: 'usage', usage: this.usage }] : [];
  }

  private content(parts: ChatStreamPart[], part: ChatStreamPart): void {
    if (this.finished) throw badResponse(this.provider, 'the upstream sent content after its finish reason');
    parts.push(part);
  }

  private fragment(parts: ChatStreamPart[], f: WireToolCallFragment): void {
    if (this.finished)
      throw badResponse(this.provider, 'the upstream sent a tool call after its finish reason');
    const id = f.id || undefined;
    const name = f.function?.name || undefined;
    let call: OpenCall | undefined;
    if (typeof f.index === 'number') {
      call = this.byWireIndex.get(f.index);
      if (call && id !== undefined && call.id !== undefined && id !== call.id) call = undefined;
    } else {
      call = id !== undefined || name !== undefined ? undefined : this.last;
    }
    if (!call) {
      call = { index: this.calls.length, id, name, opened: false, pending: '' };
      this.calls.push(call);
      if (typeof f.index === 'number') this.byWireIndex.set(f.index, call);
    }
    this.last = call;
    call.id ??= id;
    call.name ??= name;
    const args = argumentsText(f.function?.arguments);
    if (!call.opened && call.name !== undefined) {
      call.opened = true;
      call.id ??= syntheticId();
      parts.push({ type: 'tool-call-start', index: call.index, id: call.id, name: call.name });
      if (call.pending)
        parts.push({ type: 'tool-call-delta', index: call.index, argumentsDelta: call.pending });
      call.pending = '';
    }
    if (!args) return;
    if (call.opened) parts.push({ type: 'tool-call-delta', index: call.index, argumentsDelta: args });
    else call.pending += args;
  }

  private checkAllOpened(): void {
    if (this.calls.some((c) => !c.opened)) {
      throw badResponse(
        this.provider,
        'the upstream streamed tool-call arguments without ever naming the function',
      );
    }
  }
}
