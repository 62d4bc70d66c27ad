/**
 * A fake Anthropic Messages upstream (`POST /v1/messages`, `GET /v1/models`), written from the
 * Messages streaming reference: `event: message_start` (usage with input_tokens), `ping`, per block
 * `content_block_start` → `content_block_delta` (`text_delta`, or `input_json_delta` starting with an
 * empty `partial_json`) → `content_block_stop`, `message_delta` (stop_reason, cumulative
 * output_tokens), `message_stop`; mid-stream failures as `event: error`. Errors are
 * `{"type":"error","error":{"type","message"},"request_id"}`.
 */
import type { FakeError, FakeLlm, FakeLlmOptions, FakeModel, StepRenderer, WireFormat } from './fake-llm.js';
import { renderTurnStream, startFakeLlm } from './fake-llm.js';
import type { RecordedRequest, SseFrame } from './fake-upstream.js';
import type { FakeTurn, TurnStep } from './turn.js';
import { callArguments, turnFinish, turnUsage } from './turn.js';

const STOP_REASONS = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  content_filter: 'refusal',
};

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

function bodyOf(request: RecordedRequest): { model?: string; stream?: boolean } {
  return (request.body ?? {}) as { model?: string; stream?: boolean };
}

export function anthropicWire(): WireFormat {
  return {
    basePath: '',
    classify(request) {
      const route =
        request.method === 'POST' && request.path === '/v1/messages'
          ? 'chat'
          : request.method === 'GET' && request.path === '/v1/models'
            ? 'models'
            : 'other';
      return { route, stream: bodyOf(request).stream === true };
    },
    apiKey: (request) => {
      const key = request.headers['x-api-key'];
      return typeof key === 'string' ? key : undefined;
    },
    renderStream: (t, request) => renderTurnStream(t, new AnthropicStepRenderer(t, request)),
    renderJson: anthropicMessage,
    renderError: (error: FakeError) => ({
      type: 'error',
      error: {
        type: error.code ?? ERROR_TYPES[error.status] ?? 'api_error',
        message: error.message ?? `fake ${error.status}`,
      },
      request_id: 'req_fake',
    }),
    renderModels(models: FakeModel[], request) {
      const limit = Number(request.query.limit ?? 20);
      const start = request.query.after_id ? models.findIndex((m) => m.id === request.query.after_id) + 1 : 0;
      const page = models.slice(start, start + limit);
      return {
        data: page.map((m) => ({
          type: 'model',
          id: m.id,
          display_name: m.id,
          created_at: new Date((m.created ?? 1_760_000_000) * 1000).toISOString(),
        })),
        has_more: start + limit < models.length,
        first_id: page[0]?.id ?? null,
        last_id: page.at(-1)?.id ?? null,
      };
    },
    embeddingInputs: () => ({ inputs: [] }),
    renderEmbeddings: () => ({}),
  };
}

function event(type: string, data: Record<string, unknown>): SseFrame {
  return { event: type, data: { type, ...data } };
}

class AnthropicStepRenderer implements StepRenderer {
  private readonly model: string;
  private readonly usage: { promptTokens: number; completionTokens: number };
  private nextBlock = 0;
  private textBlock: number | undefined;
  private readonly toolBlocks = new Map<number, number>();
  private readonly open_ = new Set<number>();

  constructor(t: FakeTurn, request: RecordedRequest) {
    this.model = t.model ?? bodyOf(request).model ?? 'claude-fake';
    this.usage = turnUsage(t) ?? { promptTokens: 0, completionTokens: 0 };
  }

  open(): SseFrame[] {
    return [
      event('message_start', {
        message: {
          id: 'msg_fake',
          type: 'message',
          role: 'assistant',
          model: this.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: {
            input_tokens: this.usage.promptTokens,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
            output_tokens: 1,
          },
        },
      }),
      event('ping', {}),
    ];
  }

  step(s: TurnStep): SseFrame[] {
    switch (s.type) {
      case 'text': {
        const frames: SseFrame[] = [];
        if (this.textBlock === undefined) {
          this.textBlock = this.nextBlock++;
          this.open_.add(this.textBlock);
          frames.push(
            event('content_block_start', {
              index: this.textBlock,
              content_block: { type: 'text', text: '' },
            }),
          );
        }
        frames.push(
          event('content_block_delta', {
            index: this.textBlock,
            delta: { type: 'text_delta', text: s.text },
          }),
        );
        return frames;
      }
      case 'tool-start': {
        const frames = this.stopText();
        const block = this.nextBlock++;
        this.toolBlocks.set(s.index, block);
        this.open_.add(block);
        frames.push(
          event('content_block_start', {
            index: block,
            content_block: { type: 'tool_use', id: s.id, name: s.name, input: {} },
          }),
          event('content_block_delta', {
            index: block,
            delta: { type: 'input_json_delta', partial_json: '' },
          }),
        );
        return frames;
      }
      case 'tool-args':
        return [
          event('content_block_delta', {
            index: this.toolBlocks.get(s.index),
            delta: { type: 'input_json_delta', partial_json: s.args },
          }),
        ];
      case 'finish': {
        const frames = [...this.open_].map((index) => event('content_block_stop', { index }));
        this.open_.clear();
        frames.push(
          event('message_delta', {
            delta: { stop_reason: s.raw ?? STOP_REASONS[s.reason], stop_sequence: null },
            usage: { output_tokens: this.usage.completionTokens },
          }),
        );
        return frames;
      }
      case 'error':
        return [event('error', { error: { type: s.code ?? 'overloaded_error', message: s.message } })];
      default:
        return [];
    }
  }

  close(): SseFrame[] {
    return [event('message_stop', {})];
  }

  private stopText(): SseFrame[] {
    if (this.textBlock === undefined) return [];
    const index = this.textBlock;
    this.textBlock = undefined;
    this.open_.delete(index);
    return [event('content_block_stop', { index })];
  }
}

/** The non-streaming Message for a turn. */
export function anthropicMessage(t: FakeTurn, request: RecordedRequest): unknown {
  const args = callArguments(t);
  const content: Array<Record<string, unknown>> = [];
  for (const s of t.steps) {
    const last = content.at(-1);
    if (s.type === 'text') {
      if (last?.type === 'text') last.text = `${last.text}${s.text}`;
      else content.push({ type: 'text', text: s.text });
    }
    if (s.type === 'tool-start') {
      content.push({
        type: 'tool_use',
        id: s.id,
        name: s.name,
        input: JSON.parse(args.get(s.index) || '{}'),
      });
    }
  }
  const f = turnFinish(t);
  const u = turnUsage(t) ?? { promptTokens: 0, completionTokens: 0 };
  return {
    id: 'msg_fake',
    type: 'message',
    role: 'assistant',
    model: t.model ?? bodyOf(request).model ?? 'claude-fake',
    content,
    stop_reason: f ? (f.raw ?? STOP_REASONS[f.reason]) : 'end_turn',
    stop_sequence: null,
    usage: {
      input_tokens: u.promptTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: u.completionTokens,
    },
  };
}

/** A fake Anthropic API; its `url` is the origin (the provider adds `/v1/...`). */
export function startFakeAnthropic(options: FakeLlmOptions = {}): Promise<FakeLlm> {
  return startFakeLlm(anthropicWire(), options);
}
