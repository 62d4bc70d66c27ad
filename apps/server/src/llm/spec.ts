/**
 * The LLM provider spec: what the gateway, the chat page and (later) the tool loop and retrieval ask
 * of a provider. Each provider module (`llm/providers/<name>.ts`) depends only on this file and
 * translates between its own wire format and these shapes, in the style of the AI SDK's
 * provider spec + providers.
 *
 * The canonical request and result are OpenAI's chat-completions shapes (the gateway speaks that wire
 * format, so the OpenAI-compatible provider is close to a pass-through), normalised: one choice, tool
 * calls always carry full `arguments` strings in results, and stream parts are a small closed union
 * so every provider emits fragments the same way (the gateway renders them as OpenAI chunks).
 *
 * Domain code: no Fastify, no process.env (configuration comes in through the factory options).
 */

/** A content part of a user message (OpenAI's `text` and `image_url` parts). */
export type ContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' } };

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type ChatMessage =
  | { role: 'system' | 'developer'; content: string | ContentPart[]; name?: string }
  | { role: 'user'; content: string | ContentPart[]; name?: string }
  | { role: 'assistant'; content: string | ContentPart[] | null; tool_calls?: ToolCall[]; name?: string }
  | { role: 'tool'; content: string | ContentPart[]; tool_call_id: string };

export interface ToolDefinition {
  type: 'function';
  function: {
    name: string;
    description?: string;
    /** JSON Schema of the arguments object. */
    parameters?: Record<string, unknown>;
    strict?: boolean;
  };
}

export type ToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      json_schema: { name: string; description?: string; schema?: Record<string, unknown>; strict?: boolean };
    };

/** A chat request as a provider receives it: the gateway has already resolved `model` to the provider's own id. */
export interface ChatRequest {
  /** The provider's model id (`gpt-4o-mini`, `llama3.2`, `claude-…`, `gemini-…`), without the `<provider>/` prefix. */
  model: string;
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  responseFormat?: ResponseFormat;
  temperature?: number;
  topP?: number;
  /** `max_completion_tokens`, or the legacy `max_tokens`. */
  maxTokens?: number;
  stop?: string[];
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  user?: string;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  /** Provider-reported details, kept when present (cached prompt tokens, reasoning tokens). */
  cachedPromptTokens?: number;
  reasoningTokens?: number;
}

export interface ChatResult {
  /** The upstream's response id when it gives one. */
  id?: string;
  /** The model id the upstream says answered. */
  model?: string;
  content: string | null;
  refusal?: string | null;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  /** Absent when the upstream reported none (the gateway then counts with a tokenizer). */
  usage?: Usage;
}

/**
 * One piece of a streamed answer. Rules every provider keeps (the gateway and the tool loop rely on
 * them): parts come in the upstream's order and none is dropped; a tool call is opened once by a
 * `tool-call-start` (with its `index`, `id` and `name`) before any of its `tool-call-delta`s;
 * argument fragments of one call concatenate to its full arguments text; `finish` comes once, after
 * every text and tool-call part; `usage` (at most once) may come before or after `finish`.
 */
export type ChatStreamPart =
  | { type: 'text-delta'; text: string }
  | { type: 'refusal-delta'; text: string }
  | { type: 'tool-call-start'; index: number; id: string; name: string }
  | { type: 'tool-call-delta'; index: number; argumentsDelta: string }
  | { type: 'finish'; finishReason: FinishReason }
  | { type: 'usage'; usage: Usage };

/** The end of a stream of parts, one object for every hand-written iterator on the path. */
export const STREAM_DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

export interface EmbeddingRequest {
  model: string;
  input: string[];
  dimensions?: number;
  user?: string;
}

export interface EmbeddingResult {
  /** One vector per input, in input order. */
  embeddings: number[][];
  model?: string;
  usage?: { promptTokens: number };
}

export interface ProviderModel {
  /** The provider's own id (no `<provider>/` prefix). */
  id: string;
  /** Unix seconds, when the provider says. */
  created?: number;
  ownedBy?: string;
  /** What the model can do, when the provider says or the id makes it plain. */
  kind?: 'chat' | 'embedding';
}

/** What a call may be given besides its request. */
export interface CallOptions {
  /** Aborts the upstream request (client gone, timeout). */
  signal?: AbortSignal;
  /** Extra headers for this call (tracing). */
  headers?: Record<string, string>;
}

/** What the provider honours; the gateway refuses (400) a request field a provider cannot honour. */
export interface ProviderCapabilities {
  tools: boolean;
  images: boolean;
  embeddings: boolean;
  seed: boolean;
  responseFormat: boolean;
  /** `presence_penalty` / `frequency_penalty`. */
  penalties: boolean;
}

export interface LlmProvider {
  /** The name models are offered under: `openai`, `ollama`, `anthropic`, `gemini`, or a configured one. */
  readonly name: string;
  /** Which module speaks to it. */
  readonly kind: 'openai-compatible' | 'anthropic' | 'gemini';
  readonly capabilities: ProviderCapabilities;
  chat(request: ChatRequest, options?: CallOptions): Promise<ChatResult>;
  /** The parts of a streamed answer. Throws a ProviderError before the first part or mid-stream. */
  streamChat(request: ChatRequest, options?: CallOptions): AsyncIterable<ChatStreamPart>;
  /** Present only when `capabilities.embeddings`. */
  embed?(request: EmbeddingRequest, options?: CallOptions): Promise<EmbeddingResult>;
  listModels(options?: CallOptions): Promise<ProviderModel[]>;
  /** Releases pooled connections (tests, shutdown, a provider removed from the configuration). */
  close?(): Promise<void>;
}

/** Why an upstream call failed, as the router needs to know it. */
export type ProviderErrorKind =
  /** The request is at fault (400, 404 on a model, 422): never retried, never a fallback. */
  | 'invalid-request'
  /** The provider refused our credentials (401/403): a fallback may help, a retry will not. */
  | 'auth'
  /** 429 from the upstream: retried after `retryAfterMs`, then a fallback. */
  | 'rate-limited'
  /** 5xx, overloaded. */
  | 'server'
  | 'timeout'
  /** Connection refused/reset, DNS, TLS. */
  | 'connection'
  /** The upstream answered something we cannot parse. */
  | 'bad-response'
  /** Our caller aborted (client gone). */
  | 'aborted';

/** An upstream failure, wrapped once with what explains it (provider, status, the upstream's message). */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  constructor(
    readonly kind: ProviderErrorKind,
    message: string,
    readonly details: {
      provider: string;
      /** The upstream's HTTP status, when it answered. */
      status?: number;
      /** From `retry-after` / `retry-after-ms`. */
      retryAfterMs?: number;
      /** The upstream's own error code/type, when it gave one. */
      upstreamCode?: string;
      /** The request field the upstream blamed, when it said. */
      param?: string;
      cause?: unknown;
    },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }

  /** Worth trying again on the same deployment (after `retryAfterMs` when given). */
  get retryable(): boolean {
    return (
      this.kind === 'rate-limited' ||
      this.kind === 'server' ||
      this.kind === 'timeout' ||
      this.kind === 'connection'
    );
  }

  /** Worth trying the next deployment: everything but the caller's own fault or its abort. */
  get fallbackAllowed(): boolean {
    return this.kind !== 'invalid-request' && this.kind !== 'aborted';
  }
}
