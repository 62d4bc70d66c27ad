/**
 * Anthropic's Messages API (`POST /v1/messages`): the system prompt split out, tool calls and tool
 * results as `tool_use` / `tool_result` blocks, images as base64 or URL sources, and the event stream
 * (message_start, content_block_start/delta/stop, message_delta, message_stop, ping, error) turned into
 * the canonical parts. No embeddings: Anthropic has none.
 */

import type { EventSourceMessage } from 'eventsource-parser';
import type {
  CallOptions,
  ChatMessage,
  ChatRequest,
  ChatResult,
  ChatStreamPart,
  ContentPart,
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

export interface AnthropicOptions {
  /** The name models are offered under. Default `anthropic`. */
  name?: string;
  /** Without the version path, as the official SDK takes it. Default `https://api.anthropic.com`. */
  baseURL?: string;
  apiKey: string;
  headers?: Record<string, string>;
  timeouts?: ProviderTimeouts;
  /** The `anthropic-version` header. Default `2023-06-01`. */
  version?: string;
  /** `max_tokens` is required by the Messages API; this is sent when the request gives none. Default 4096. */
  defaultMaxTokens?: number;
}

export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';

const CAPABILITIES: ProviderCapabilities = {
  tools: true,
  images: true,
  embeddings: false,
  seed: false,
  responseFormat: false,
  penalties: false,
};

type Block =
  | { type: 'text'; text: string }
  | {
      type: 'image';
      source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };
    }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: 'tool_result'; tool_use_id: string; content: string | Block[] };

interface WireMessage {
  role: 'user' | 'assistant';
  content: Block[];
}

interface WireUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}

interface WireResponse {
  id?: string;
  model?: string;
  content?: Array<{ type: string; text?: string; id?: string; name?: string; input?: unknown }>;
  stop_reason?: string | null;
  usage?: WireUsage;
}

export function createAnthropicProvider(options: AnthropicOptions): LlmProvider {
  const name = options.name ?? 'anthropic';
  const http = new HttpClient({
    provider: name,
    baseURL: (options.baseURL ?? ANTHROPIC_BASE_URL).replace(/\/+$/, ''),
    headers: {
      ...options.headers,
      'x-api-key': options.apiKey,
      'anthropic-version': options.version ?? '2023-06-01',
    },
    ...(options.timeouts ? { timeouts: options.timeouts } : {}),
    parseErrorBody: parseAnthropicErrorBody,
  });
  const maxTokens = options.defaultMaxTokens ?? 4096;

  return {
    name,
    kind: 'anthropic',
    capabilities: CAPABILITIES,

    async chat(request: ChatRequest, call?: CallOptions): Promise<ChatResult> {
      const body = toAnthropicRequest(name, request, maxTokens, false);
      const { body: res } = await http.json<WireResponse>({
        method: 'POST',
        path: '/v1/messages',
        body,
        ...callSpec(call),
      });
      return fromAnthropicResponse(name, res);
    },

    // A generator, so that a refused request throws on the first next(), as a stream's failure, not at the call.
    async *streamChat(request: ChatRequest, call?: CallOptions): AsyncGenerator<ChatStreamPart> {
      const body = toAnthropicRequest(name, request, maxTokens, true);
      const translator = new AnthropicStreamTranslator(name, (data) => http.bodyError(data));
      yield* http.streamParts({ method: 'POST', path: '/v1/messages', body }, call, translator);
    },

    async listModels(call?: CallOptions): Promise<ProviderModel[]> {
      const models: ProviderModel[] = [];
      let after: string | undefined;
      for (let page = 0; page < 50; page++) {
        const query = `?limit=1000${after ? `&after_id=${encodeURIComponent(after)}` : ''}`;
        const { body } = await http.json<{
          data?: Array<{ id: string; created_at?: string }>;
          has_more?: boolean;
          last_id?: string | null;
        }>({ method: 'GET', path: `/v1/models${query}`, ...callSpec(call) });
        for (const m of body.data ?? []) {
          const created = m.created_at ? Math.floor(Date.parse(m.created_at) / 1000) : Number.NaN;
          models.push({
            id: m.id,
            ...(Number.isFinite(created) ? { created } : {}),
            ownedBy: 'anthropic',
            kind: 'chat',
          });
        }
        if (!body.has_more || !body.last_id) break;
        after = body.last_id;
      }
      return models;
    },

    close: () => http.close(),
  };
}

/** The body of `POST /v1/messages`; refuses (invalid-request) what the Messages API cannot do. */
export function toAnthropicRequest(
  provider: string,
  request: ChatRequest,
  defaultMaxTokens: number,
  stream: boolean,
): Record<string, unknown> {
  if (request.seed !== undefined) throw unsupported(provider, 'seed', 'the Messages API has no seed');
  if (request.responseFormat && request.responseFormat.type !== 'text') {
    throw unsupported(provider, 'response_format', 'the Messages API has no JSON mode');
  }
  if (request.presencePenalty !== undefined)
    throw unsupported(provider, 'presence_penalty', 'no such setting');
  if (request.frequencyPenalty !== undefined)
    throw unsupported(provider, 'frequency_penalty', 'no such setting');

  const system: string[] = [];
  const messages: WireMessage[] = [];
  const push = (role: WireMessage['role'], blocks: Block[]) => {
    const last = messages.at(-1);
    // The Messages API wants user and assistant turns to alternate: same-role neighbours are one turn.
    if (last && last.role === role) last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  };
  for (const message of request.messages) {
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(textOnly(provider, message.content));
        break;
      case 'user':
        push('user', contentBlocks(provider, message.content));
        break;
      case 'assistant':
        push('assistant', assistantBlocks(provider, message));
        break;
      case 'tool':
        push('user', [
          {
            type: 'tool_result',
            tool_use_id: message.tool_call_id,
            content:
              typeof message.content === 'string'
                ? message.content
                : contentBlocks(provider, message.content),
          },
        ]);
        break;
    }
  }

  const body: Record<string, unknown> = {
    model: request.model,
    max_tokens: request.maxTokens ?? defaultMaxTokens,
    messages,
  };
  if (system.length > 0) body.system = system.join('\n\n');
  if (request.tools && request.tools.length > 0) {
    body.tools = request.tools.map((t) => ({
      name: t.function.name,
      ...(t.function.description ? { description: t.function.description } : {}),
      input_schema: t.function.parameters ?? { type: 'object', properties: {} },
    }));
  }
  const choice = toolChoice(request);
  if (choice) body.tool_choice = choice;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.stop && request.stop.length > 0) body.stop_sequences = request.stop;
  if (request.user !== undefined) body.metadata = { user_id: request.user };
  if (stream) body.stream = true;
  return body;
}

function toolChoice(request: ChatRequest): Record<string, unknown> | undefined {
  const noParallel = request.parallelToolCalls === false && request.tools && request.tools.length > 0;
  const extra = noParallel ? { disable_parallel_tool_use: true } : {};
  const c = request.toolChoice;
  if (c === undefined) return noParallel ? { type: 'auto', ...extra } : undefined;
  if (c === 'none') return { type: 'none' };
  if (c === 'auto') return { type: 'auto', ...extra };
  if (c === 'required') return { type: 'any', ...extra };
  return { type: 'tool', name: c.function.name, ...extra };
}

function textOnly(provider: string, content: string | ContentPart[]): string {
  if (typeof content === 'string') return content;
  return content
    .map((p) => {
      if (p.type !== 'text') throw unsupported(provider, 'messages', 'a system prompt can only hold text');
      return p.text;
    })
    .join('');
}

function contentBlocks(provider: string, content: string | ContentPart[]): Block[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  return content.map(
    (p): Block =>
      p.type === 'text' ? { type: 'text', text: p.text } : imageBlock(provider, p.image_url.url),
  );
}

function imageBlock(provider: string, url: string): Block {
  const data = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (data) return { type: 'image', source: { type: 'base64', media_type: data[1]!, data: data[2]! } };
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  throw unsupported(provider, 'messages', 'an image must be a base64 data: URL or an http(s) URL');
}

function assistantBlocks(provider: string, message: Extract<ChatMessage, { role: 'assistant' }>): Block[] {
  const blocks: Block[] = message.content === null ? [] : contentBlocks(provider, message.content);
  for (const call of message.tool_calls ?? []) {
    let input: unknown;
    try {
      input = JSON.parse(call.function.arguments || '{}');
    } catch {
      throw unsupported(provider, 'messages', `the arguments of tool call ${call.id} are not JSON`);
    }
    blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input });
  }
  return blocks;
}

const ERROR_KINDS: Record<string, ProviderErrorKind> = {
  invalid_request_error: 'invalid-request',
  not_found_error: 'invalid-request',
  request_too_large: 'invalid-request',
  authentication_error: 'auth',
  permission_error: 'auth',
  billing_error: 'auth',
  rate_limit_error: 'rate-limited',
  api_error: 'server',
  overloaded_error: 'server',
  timeout_error: 'timeout',
};

/** `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}` (HTTP bodies and `error` events). */
export function parseAnthropicErrorBody(body: unknown): UpstreamErrorBody | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const e = (body as { error?: unknown }).error;
  if (typeof e !== 'object' || e === null) return undefined;
  const { type, message } = e as { type?: unknown; message?: unknown };
  const kind = typeof type === 'string' ? ERROR_KINDS[type] : undefined;
  return {
    ...(typeof message === 'string' ? { message } : {}),
    ...(typeof type === 'string' ? { code: type } : {}),
    ...(kind ? { kind } : {}),
  };
}

const STOP: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

function stopReason(raw: string | null | undefined): FinishReason {
  return (raw ? STOP[raw] : undefined) ?? 'stop';
}

/** OpenAI's prompt_tokens counts cached tokens too; Anthropic reports them apart. */
function toUsage(u: WireUsage): Usage {
  const cached = u.cache_read_input_tokens ?? 0;
  return {
    promptTokens: (u.input_tokens ?? 0) + cached + (u.cache_creation_input_tokens ?? 0),
    completionTokens: u.output_tokens ?? 0,
    // A zero count is no detail worth reporting (Anthropic always sends the field).
    ...(cached > 0 ? { cachedPromptTokens: cached } : {}),
  };
}

export function fromAnthropicResponse(provider: string, res: WireResponse): ChatResult {
  if (!Array.isArray(res.content)) throw badResponse(provider, 'the answer has no content');
  let text: string | null = null;
  const toolCalls: ToolCall[] = [];
  for (const block of res.content) {
    if (block.type === 'text') text = (text ?? '') + (block.text ?? '');
    else if (block.type === 'tool_use') {
      if (!block.id || !block.name) throw badResponse(provider, 'a tool_use block without id or name');
      toolCalls.push({
        id: block.id,
        type: 'function',
        function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
      });
    }
  }
  return {
    ...(res.id ? { id: res.id } : {}),
    ...(res.model ? { model: res.model } : {}),
    content: text,
    toolCalls,
    finishReason: stopReason(res.stop_reason),
    ...(res.usage ? { usage: toUsage(res.usage) } : {}),
  };
}

type AnthropicEvent =
  | { type: 'message_start'; message?: { usage?: WireUsage } }
  | {
      type: 'content_block_start';
      index: number;
      content_block: { type: string; text?: string; id?: string; name?: string; input?: unknown };
    }
  | {
      type: 'content_block_delta';
      index: number;
      delta: { type: string; text?: string; partial_json?: string };
    }
  | { type: 'content_block_stop'; index: number }
  | { type: 'message_delta'; delta?: { stop_reason?: string | null }; usage?: WireUsage }
  | { type: 'message_stop' }
  | { type: 'ping' };

type OpenBlock = { kind: 'text' } | { kind: 'tool'; index: number } | { kind: 'other' };

/**
 * Messages stream events → canonical parts. Tool calls are numbered 0, 1, … in the order their
 * `tool_use` blocks start (the block index also counts text blocks); deltas go to their block by
 * index, so interleaved blocks stay apart. Usage is the start's input counts and the last
 * `message_delta`'s (cumulative) output count, emitted once at the end.
 */
export class AnthropicStreamTranslator implements EventTranslator {
  private readonly blocks = new Map<number, OpenBlock>();
  private tools = 0;
  private usage: WireUsage = {};
  private sawUsage = false;
  private finished = false;
  /** `message_stop` came. */
  done = false;
  readonly failure = undefined;

  constructor(
    private readonly provider: string,
    private readonly errorOf: (data: string) => ProviderError | undefined,
  ) {}

  event(event: EventSourceMessage): ChatStreamPart[] {
    const data = parseJson<{ type?: string }>(this.provider, event.data);
    if (data.type === 'error' || event.event === 'error') {
      throw (
        this.errorOf(event.data) ?? badResponse(this.provider, `an error event: ${event.data.slice(0, 500)}`)
      );
    }
    return this.push(data as AnthropicEvent);
  }

  push(event: AnthropicEvent): ChatStreamPart[] {
    switch (event.type) {
      case 'message_start':
        if (event.message?.usage) this.addUsage(event.message.usage);
        return [];
      case 'content_block_start':
        return this.start(event.index, event.content_block);
      case 'content_block_delta':
        return this.delta(event.index, event.delta);
      case 'message_delta': {
        if (event.usage) this.addUsage(event.usage);
        if (this.finished || event.delta?.stop_reason === undefined) return [];
        this.finished = true;
        return [{ type: 'finish', finishReason: stopReason(event.delta.stop_reason) }];
      }
      case 'message_stop':
        this.done = true;
        return [];
      default:
        // content_block_stop, ping, and event types added later.
        return [];
    }
  }

  end(): ChatStreamPart[] {
    if (!this.finished) {
      throw new ProviderError('connection', 'the upstream stream ended before the message finished', {
        provider: this.provider,
      });
    }
    return this.sawUsage ? [{ type: 'usage', usage: toUsage(this.usage) }] : [];
  }

  private addUsage(u: WireUsage): void {
    this.sawUsage = true;
    for (const [k, v] of Object.entries(u))
      if (typeof v === 'number') (this.usage as Record<string, number>)[k] = v;
  }

  private start(
    index: number,
    block: { type: string; text?: string; id?: string; name?: string; input?: unknown },
  ) {
    if (this.finished) throw badResponse(this.provider, 'a content block after the message finished');
    if (block.type === 'text') {
      this.blocks.set(index, { kind: 'text' });
      return block.text ? [{ type: 'text-delta', text: block.text } as const] : [];
    }
    if (block.type === 'tool_use') {
      if (!block.id || !block.name) throw badResponse(this.provider, 'a tool_use block without id or name');
      const tool = this.tools++;
      this.blocks.set(index, { kind: 'tool', index: tool });
      const parts: ChatStreamPart[] = [
        { type: 'tool-call-start', index: tool, id: block.id, name: block.name },
      ];
      const input = block.input;
      if (input && typeof input === 'object' && Object.keys(input).length > 0) {
        parts.push({ type: 'tool-call-delta', index: tool, argumentsDelta: JSON.stringify(input) });
      }
      return parts;
    }
    // thinking, redacted_thinking, server tools: not part of the canonical answer.
    this.blocks.set(index, { kind: 'other' });
    return [];
  }

  private delta(
    index: number,
    delta: { type: string; text?: string; partial_json?: string },
  ): ChatStreamPart[] {
    const block = this.blocks.get(index);
    if (!block) throw badResponse(this.provider, `a delta for content block ${index}, which never started`);
    if (block.kind === 'text' && delta.type === 'text_delta' && delta.text) {
      return [{ type: 'text-delta', text: delta.text }];
    }
    if (block.kind === 'tool' && delta.type === 'input_json_delta' && delta.partial_json) {
      return [{ type: 'tool-call-delta', index: block.index, argumentsDelta: delta.partial_json }];
    }
    return [];
  }
}
