/**
 * Google Gemini's REST API (`generateContent`, `streamGenerateContent?alt=sse`, `batchEmbedContents`,
 * `models`). Gemini gives whole function calls, so each becomes a start and one arguments delta with
 * a synthesized id; a finish that reports a broken function call is an error, never a quiet `stop`.
 */
import { randomUUID } from 'node:crypto';
import type { EventSourceMessage } from 'eventsource-parser';
import type {
  CallOptions,
  ChatMessage,
  ChatRequest,
  ChatResult,
  ChatStreamPart,
  ContentPart,
  EmbeddingRequest,
  EmbeddingResult,
  FinishReason,
  LlmProvider,
  ProviderCapabilities,
  ProviderErrorKind,
  ProviderModel,
  ToolCall,
  Usage,
} from '../spec.js';
import { ProviderError } from '../spec.js';
import type { EventTranslator, ProviderTimeouts, UpstreamErrorBody } from './http.js';
import { badResponse, callSpec, HttpClient, parseJson, unsupported } from './http.js';

export interface GeminiOptions {
  /** The name models are offered under. Default `gemini`. */
  name?: string;
  /** Without the version path, as `@google/genai` takes it. Default `https://generativelanguage.googleapis.com`. */
  baseURL?: string;
  apiKey: string;
  headers?: Record<string, string>;
  timeouts?: ProviderTimeouts;
  /** Default `v1beta` (function calling, JSON schemas and system instructions all live there). */
  apiVersion?: string;
}

export const GEMINI_BASE_URL = 'https://generativelanguage.googleapis.com';

const CAPABILITIES: ProviderCapabilities = {
  tools: true,
  images: true,
  embeddings: true,
  seed: true,
  responseFormat: true,
  penalties: true,
};

type Part =
  | { text: string; thought?: boolean }
  | { inlineData: { mimeType: string; data: string } }
  | { functionCall: { name: string; args?: Record<string, unknown>; id?: string } }
  | { functionResponse: { name: string; response: Record<string, unknown> } };

interface Content {
  role: 'user' | 'model';
  parts: Part[];
}

interface WireUsage {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  thoughtsTokenCount?: number;
  cachedContentTokenCount?: number;
}

interface WireResponse {
  candidates?: Array<{
    index?: number;
    content?: { parts?: Array<Record<string, unknown>> };
    finishReason?: string;
    finishMessage?: string;
  }>;
  promptFeedback?: { blockReason?: string };
  usageMetadata?: WireUsage;
  modelVersion?: string;
  responseId?: string;
  error?: unknown;
}

export function createGeminiProvider(options: GeminiOptions): LlmProvider {
  const name = options.name ?? 'gemini';
  const version = options.apiVersion ?? 'v1beta';
  const http = new HttpClient({
    provider: name,
    baseURL: `${(options.baseURL ?? GEMINI_BASE_URL).replace(/\/+$/, '')}/${version}`,
    headers: { ...options.headers, 'x-goog-api-key': options.apiKey },
    ...(options.timeouts ? { timeouts: options.timeouts } : {}),
    parseErrorBody: parseGeminiErrorBody,
  });

  return {
    name,
    kind: 'gemini',
    capabilities: CAPABILITIES,

    async chat(request: ChatRequest, call?: CallOptions): Promise<ChatResult> {
      const body = toGeminiRequest(name, request);
      const { body: res } = await http.json<WireResponse>({
        method: 'POST',
        path: `/${modelPath(request.model)}:generateContent`,
        body,
        ...callSpec(call),
      });
      return fromGeminiResponse(name, res);
    },

    // A generator, so that a refused request throws on the first next(), as a stream's failure, not at the call.
    async *streamChat(request: ChatRequest, call?: CallOptions): AsyncGenerator<ChatStreamPart> {
      const body = toGeminiRequest(name, request);
      const path = `/${modelPath(request.model)}:streamGenerateContent?alt=sse`;
      const translator = new GeminiStreamTranslator(name, (data) => http.bodyError(data));
      yield* http.streamParts({ method: 'POST', path, body }, call, translator);
    },

    async embed(request: EmbeddingRequest, call?: CallOptions): Promise<EmbeddingResult> {
      const model = modelPath(request.model);
      const { body } = await http.json<{ embeddings?: Array<{ values?: number[] }> }>({
        method: 'POST',
        path: `/${model}:batchEmbedContents`,
        body: {
          requests: request.input.map((text) => ({
            model,
            content: { parts: [{ text }] },
            ...(request.dimensions === undefined ? {} : { outputDimensionality: request.dimensions }),
          })),
        },
        ...callSpec(call),
      });
      const embeddings = (body.embeddings ?? []).map((e) => e.values ?? []);
      if (embeddings.length !== request.input.length) {
        throw badResponse(name, `asked for ${request.input.length} embeddings, got ${embeddings.length}`);
      }
      return { embeddings, model: request.model };
    },

    async listModels(call?: CallOptions): Promise<ProviderModel[]> {
      const models: ProviderModel[] = [];
      let token: string | undefined;
      for (let page = 0; page < 50; page++) {
        const query = `?pageSize=1000${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`;
        const { body } = await http.json<{
          models?: Array<{ name: string; supportedGenerationMethods?: string[] }>;
          nextPageToken?: string;
        }>({ method: 'GET', path: `/models${query}`, ...callSpec(call) });
        for (const m of body.models ?? []) {
          const methods = m.supportedGenerationMethods ?? [];
          const kind = methods.includes('generateContent')
            ? 'chat'
            : methods.some((x) => x.startsWith('embed'))
              ? 'embedding'
              : undefined;
          models.push({ id: m.name.replace(/^models\//, ''), ownedBy: 'google', ...(kind ? { kind } : {}) });
        }
        if (!body.nextPageToken) break;
        token = body.nextPageToken;
      }
      return models;
    },

    close: () => http.close(),
  };
}

/** `gemini-2.0-flash` → `models/gemini-2.0-flash`; `tunedModels/x` stays as it is. */
function modelPath(model: string): string {
  return model.includes('/') ? model : `models/${model}`;
}

/** The body of `generateContent` / `streamGenerateContent`; refuses what Gemini cannot do. */
export function toGeminiRequest(provider: string, request: ChatRequest): Record<string, unknown> {
  if (request.parallelToolCalls === false && request.tools && request.tools.length > 0) {
    throw unsupported(provider, 'parallel_tool_calls', 'Gemini cannot be told to call one tool at a time');
  }
  const system: string[] = [];
  const contents: Content[] = [];
  const toolNames = new Map<string, string>();
  const push = (role: Content['role'], parts: Part[]) => {
    const last = contents.at(-1);
    // Parallel function responses belong in one turn, as do any other same-role neighbours.
    if (last && last.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };
  for (const message of request.messages) {
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(textOf(provider, message.content));
        break;
      case 'user':
        push('user', userParts(provider, message.content));
        break;
      case 'assistant':
        push('model', modelParts(provider, message, toolNames));
        break;
      case 'tool': {
        const name = toolNames.get(message.tool_call_id);
        if (!name) {
          throw unsupported(
            provider,
            'messages',
            `tool message ${message.tool_call_id} answers no tool call of the conversation`,
          );
        }
        push('user', [
          { functionResponse: { name, response: { content: textOf(provider, message.content) } } },
        ]);
        break;
      }
    }
  }

  const body: Record<string, unknown> = { contents };
  if (system.length > 0) body.systemInstruction = { parts: [{ text: system.join('\n\n') }] };
  if (request.tools && request.tools.length > 0) {
    body.tools = [
      {
        functionDeclarations: request.tools.map((t) => ({
          name: t.function.name,
          ...(t.function.description ? { description: t.function.description } : {}),
          // Full JSON Schema (Gemini's `parameters` takes only an OpenAPI subset).
          ...(t.function.parameters ? { parametersJsonSchema: t.function.parameters } : {}),
        })),
      },
    ];
  }
  const c = request.toolChoice;
  if (c !== undefined) {
    body.toolConfig = {
      functionCallingConfig:
        c === 'none'
          ? { mode: 'NONE' }
          : c === 'auto'
            ? { mode: 'AUTO' }
            : c === 'required'
              ? { mode: 'ANY' }
              : { mode: 'ANY', allowedFunctionNames: [c.function.name] },
    };
  }
  const config: Record<string, unknown> = {};
  if (request.temperature !== undefined) config.temperature = request.temperature;
  if (request.topP !== undefined) config.topP = request.topP;
  if (request.maxTokens !== undefined) config.maxOutputTokens = request.maxTokens;
  if (request.stop && request.stop.length > 0) config.stopSequences = request.stop;
  if (request.seed !== undefined) config.seed = request.seed;
  if (request.presencePenalty !== undefined) config.presencePenalty = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) config.frequencyPenalty = request.frequencyPenalty;
  const format = request.responseFormat;
  if (format && format.type !== 'text') {
    config.responseMimeType = 'application/json';
    if (format.type === 'json_schema' && format.json_schema.schema)
      config.responseJsonSchema = format.json_schema.schema;
  }
  if (Object.keys(config).length > 0) body.generationConfig = config;
  return body;
}

function textOf(provider: string, content: string | ContentPart[]): string {
  if (typeof content === 'string') return content;
  return content
    .map((p) => {
      if (p.type !== 'text') throw unsupported(provider, 'messages', 'only user messages can hold images');
      return p.text;
    })
    .join('');
}

function userParts(provider: string, content: string | ContentPart[]): Part[] {
  if (typeof content === 'string') return [{ text: content }];
  return content.map((p): Part => {
    if (p.type === 'text') return { text: p.text };
    const data = /^data:([^;,]+);base64,(.*)$/s.exec(p.image_url.url);
    if (!data) throw unsupported(provider, 'messages', 'Gemini takes images as base64 data: URLs only');
    return { inlineData: { mimeType: data[1]!, data: data[2]! } };
  });
}

function modelParts(
  provider: string,
  message: Extract<ChatMessage, { role: 'assistant' }>,
  toolNames: Map<string, string>,
): Part[] {
  const parts: Part[] = [];
  if (message.content !== null) {
    const text = textOf(provider, message.content);
    if (text) parts.push({ text });
  }
  for (const call of message.tool_calls ?? []) {
    let args: unknown;
    try {
      args = JSON.parse(call.function.arguments || '{}');
    } catch {
      throw unsupported(provider, 'messages', `the arguments of tool call ${call.id} are not JSON`);
    }
    toolNames.set(call.id, call.function.name);
    parts.push({ functionCall: { name: call.function.name, args: args as Record<string, unknown> } });
  }
  return parts;
}

const STATUS_KINDS: Record<string, ProviderErrorKind> = {
  RESOURCE_EXHAUSTED: 'rate-limited',
  UNAUTHENTICATED: 'auth',
  PERMISSION_DENIED: 'auth',
  UNAVAILABLE: 'server',
  INTERNAL: 'server',
  DEADLINE_EXCEEDED: 'timeout',
};

/**
 * Google's `{"error":{"code":429,"message":…,"status":"RESOURCE_EXHAUSTED","details":[…]}}`: the
 * status is the code; a bad key is a 400 whose ErrorInfo reason says `API_KEY_INVALID`; RetryInfo's
 * `retryDelay` ("37s") is the retry hint.
 */
export function parseGeminiErrorBody(body: unknown): UpstreamErrorBody | undefined {
  const root = Array.isArray(body) ? body[0] : body;
  if (typeof root !== 'object' || root === null) return undefined;
  const e = (root as { error?: unknown }).error;
  if (typeof e !== 'object' || e === null) return undefined;
  const { message, status, details } = e as { message?: unknown; status?: unknown; details?: unknown };
  let kind = typeof status === 'string' ? STATUS_KINDS[status] : undefined;
  let retryAfterMs: number | undefined;
  for (const d of Array.isArray(details) ? details : []) {
    const detail = d as { '@type'?: string; reason?: string; retryDelay?: string };
    if (detail.reason === 'API_KEY_INVALID') kind = 'auth';
    const delay = detail['@type']?.endsWith('RetryInfo') ? /^([\d.]+)s$/.exec(detail.retryDelay ?? '') : null;
    if (delay) retryAfterMs = Math.round(Number(delay[1]) * 1000);
  }
  return {
    ...(typeof message === 'string' ? { message } : {}),
    ...(typeof status === 'string' ? { code: status } : {}),
    ...(kind ? { kind } : {}),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}

const FILTERED = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'LANGUAGE',
]);
/** Finishes that mean the model tried to call a function and failed: errors, not answers. */
const BROKEN_CALLS = new Set(['MALFORMED_FUNCTION_CALL', 'UNEXPECTED_TOOL_CALL', 'TOO_MANY_TOOL_CALLS']);

function finishReason(
  provider: string,
  raw: string,
  message: string | undefined,
  sawCalls: boolean,
): FinishReason {
  if (BROKEN_CALLS.has(raw)) {
    throw new ProviderError('bad-response', `Gemini ended with ${raw}${message ? `: ${message}` : ''}`, {
      provider,
      upstreamCode: raw,
    });
  }
  if (raw === 'MAX_TOKENS') return 'length';
  if (FILTERED.has(raw)) return 'content_filter';
  return sawCalls ? 'tool_calls' : 'stop';
}

/** OpenAI's completion_tokens include reasoning; Gemini counts thoughts apart. */
function toUsage(u: WireUsage): Usage {
  const thoughts = u.thoughtsTokenCount ?? 0;
  return {
    promptTokens: u.promptTokenCount ?? 0,
    completionTokens: (u.candidatesTokenCount ?? 0) + thoughts,
    ...(u.cachedContentTokenCount ? { cachedPromptTokens: u.cachedContentTokenCount } : {}),
    ...(thoughts ? { reasoningTokens: thoughts } : {}),
  };
}

function syntheticId(): string {
  return `call_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
}

interface FunctionCallPart {
  functionCall: { name?: string; args?: unknown; id?: string };
}

export function fromGeminiResponse(provider: string, res: WireResponse): ChatResult {
  const candidate = res.candidates?.find((c) => (c.index ?? 0) === 0);
  const usage = res.usageMetadata ? { usage: toUsage(res.usageMetadata) } : {};
  const meta = {
    ...(res.responseId ? { id: res.responseId } : {}),
    ...(res.modelVersion ? { model: res.modelVersion } : {}),
  };
  if (!candidate) {
    if (res.promptFeedback?.blockReason) {
      return { ...meta, content: null, toolCalls: [], finishReason: 'content_filter', ...usage };
    }
    throw badResponse(provider, 'the answer has no candidate');
  }
  let text: string | null = null;
  const toolCalls: ToolCall[] = [];
  for (const part of candidate.content?.parts ?? []) {
    if (typeof part.text === 'string' && part.thought !== true) text = (text ?? '') + part.text;
    else if (part.functionCall) {
      const fc = (part as unknown as FunctionCallPart).functionCall;
      if (!fc.name) throw badResponse(provider, 'a function call without a name');
      toolCalls.push({
        id: fc.id || syntheticId(),
        type: 'function',
        function: { name: fc.name, arguments: JSON.stringify(fc.args ?? {}) },
      });
    }
  }
  return {
    ...meta,
    content: text,
    toolCalls,
    finishReason: finishReason(
      provider,
      candidate.finishReason ?? 'STOP',
      candidate.finishMessage,
      toolCalls.length > 0,
    ),
    ...usage,
  };
}

/**
 * `streamGenerateContent` chunks (each a whole GenerateContentResponse) → canonical parts. Text parts
 * are deltas; each function call is a start and one delta. `usageMetadata` comes on every chunk, so
 * the last one counts; it is emitted once, after the finish, when the stream ends.
 */
export class GeminiStreamTranslator implements EventTranslator {
  private calls = 0;
  private finished = false;
  private usage: WireUsage | undefined;
  /** A finish that is an error (a broken function call), thrown once this chunk's parts are out. */
  failure: ProviderError | undefined;
  /** Gemini sends no end marker: the stream ends with the body. */
  readonly done = false;

  constructor(
    private readonly provider: string,
    private readonly errorOf: (data: string) => ProviderError | undefined,
  ) {}

  event(event: EventSourceMessage): ChatStreamPart[] {
    const chunk = parseJson<WireResponse>(this.provider, event.data);
    if (chunk.error !== undefined) {
      throw (
        this.errorOf(event.data) ?? badResponse(this.provider, `an error event: ${event.data.slice(0, 500)}`)
      );
    }
    return this.push(chunk);
  }

  push(chunk: WireResponse): ChatStreamPart[] {
    if (chunk.usageMetadata) this.usage = chunk.usageMetadata;
    const parts: ChatStreamPart[] = [];
    const candidate = chunk.candidates?.find((c) => (c.index ?? 0) === 0);
    if (!candidate) {
      if (chunk.promptFeedback?.blockReason && !this.finished) {
        this.finished = true;
        parts.push({ type: 'finish', finishReason: 'content_filter' });
      }
      return parts;
    }
    for (const part of candidate.content?.parts ?? []) {
      if (this.finished) throw badResponse(this.provider, 'content after the finish reason');
      if (typeof part.text === 'string' && part.thought !== true) {
        if (part.text) parts.push({ type: 'text-delta', text: part.text });
      } else if (part.functionCall) {
        const fc = (part as unknown as FunctionCallPart).functionCall;
        if (!fc.name) throw badResponse(this.provider, 'a function call without a name');
        const index = this.calls++;
        parts.push({ type: 'tool-call-start', index, id: fc.id || syntheticId(), name: fc.name });
        parts.push({ type: 'tool-call-delta', index, argumentsDelta: JSON.stringify(fc.args ?? {}) });
      }
    }
    if (candidate.finishReason && !this.finished) {
      this.finished = true;
      try {
        const reason = finishReason(
          this.provider,
          candidate.finishReason,
          candidate.finishMessage,
          this.calls > 0,
        );
        parts.push({ type: 'finish', finishReason: reason });
      } catch (err) {
        // The parts of this chunk still go out first; the caller throws `failure` after them.
        this.failure = err as ProviderError;
      }
    }
    return parts;
  }

  end(): ChatStreamPart[] {
    if (!this.finished) {
      throw new ProviderError('connection', 'the upstream stream ended before a finish reason', {
        provider: this.provider,
      });
    }
    return this.usage ? [{ type: 'usage', usage: toUsage(this.usage) }] : [];
  }
}
