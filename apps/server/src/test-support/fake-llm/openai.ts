/**
 * A fake OpenAI chat-completions upstream (`/v1/chat/completions`, `/v1/embeddings`, `/v1/models`),
 * written from `../shared/reference/openai-chat-wire.md` (the OpenAPI spec and recorded api.openai.com
 * streams): a role chunk, content and tool-call fragments (the first of a call with `id`, `type`,
 * `name` and `arguments: ""`, later ones `index` + `arguments` only), a finish chunk with `delta: {}`,
 * the usage chunk with `choices: []` only when `stream_options.include_usage` asked, `data: [DONE]`.
 * `variant: 'vllm'` opens tool calls without an `arguments` key, as vLLM does.
 */
import type { FakeError, FakeLlm, FakeLlmOptions, FakeModel, StepRenderer, WireFormat } from './fake-llm.js';
import { renderTurnStream, startFakeLlm } from './fake-llm.js';
import type { RecordedRequest, SseFrame } from './fake-upstream.js';
import type { FakeTurn, TurnStep } from './turn.js';
import { callArguments, turnFinish, turnUsage } from './turn.js';

export interface OpenAIWireOptions {
  /** `vllm`: a call's opening fragment has no `arguments`. */
  variant?: 'openai' | 'vllm';
}

interface ChatBody {
  model?: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  input?: string | string[];
  dimensions?: number;
}

const CREATED = 1_760_000_000;

export function bodyOf(request: RecordedRequest): ChatBody {
  return (request.body ?? {}) as ChatBody;
}

const OPENAI_ERRORS: Record<number, { type: string; code: string | null }> = {
  400: { type: 'invalid_request_error', code: null },
  401: { type: 'invalid_request_error', code: 'invalid_api_key' },
  403: { type: 'invalid_request_error', code: 'unsupported_country_region_territory' },
  404: { type: 'invalid_request_error', code: 'model_not_found' },
  429: { type: 'requests', code: 'rate_limit_exceeded' },
  500: { type: 'server_error', code: null },
  503: { type: 'server_error', code: null },
};

/** The OpenAI chat-completions wire format, shared with the Ollama fake for everything but streams. */
export function openAIWire(options: OpenAIWireOptions = {}): WireFormat {
  return {
    basePath: '/v1',
    classify(request) {
      const route =
        request.method === 'POST' && request.path === '/v1/chat/completions'
          ? 'chat'
          : request.method === 'POST' && request.path === '/v1/embeddings'
            ? 'embeddings'
            : request.method === 'GET' && request.path === '/v1/models'
              ? 'models'
              : 'other';
      return { route, stream: bodyOf(request).stream === true };
    },
    apiKey(request) {
      const auth = request.headers.authorization;
      return typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : undefined;
    },
    renderStream: (t, request) => renderTurnStream(t, new OpenAIStepRenderer(t, request, options.variant)),
    renderJson: (t, request) => openAICompletion(t, request),
    renderError(error: FakeError) {
      const defaults = OPENAI_ERRORS[error.status] ?? { type: 'server_error', code: null };
      return {
        error: {
          message: error.message ?? `fake error ${error.status}`,
          type: defaults.type,
          param: error.param ?? null,
          code: error.code ?? defaults.code,
        },
      };
    },
    renderModels: (models: FakeModel[]) => ({
      object: 'list',
      data: models.map((m) => ({
        id: m.id,
        object: 'model',
        created: m.created ?? CREATED,
        owned_by: 'fake-owner',
      })),
    }),
    embeddingInputs: embeddingInputs,
    renderEmbeddings(vectors, request) {
      const tokens = embeddingInputs(request).inputs.reduce((n, t) => n + Math.ceil(t.length / 4), 0);
      return {
        object: 'list',
        data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })),
        model: bodyOf(request).model,
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      };
    },
  };
}

function embeddingInputs(request: RecordedRequest): { inputs: string[]; dimensions?: number } {
  const { input, dimensions } = bodyOf(request);
  const inputs = typeof input === 'string' ? [input] : (input ?? []);
  return dimensions === undefined ? { inputs } : { inputs, dimensions };
}

/** How one server family labels its chunks. */
export interface ChunkLabels {
  id: string;
  systemFingerprint: string;
  /** Ollama sends no `logprobs` key. */
  logprobs: boolean;
}

const OPENAI_LABELS: ChunkLabels = { id: 'chatcmpl-fake', systemFingerprint: 'fp_fake', logprobs: true };

/** OpenAI's stream, step by step (the Ollama fake overrides the steps Ollama sends differently). */
export class OpenAIStepRenderer implements StepRenderer {
  protected readonly model: string;
  private readonly includeUsage: boolean;

  constructor(
    protected readonly t: FakeTurn,
    request: RecordedRequest,
    private readonly variant: 'openai' | 'vllm' = 'openai',
    private readonly labels: ChunkLabels = OPENAI_LABELS,
  ) {
    const body = bodyOf(request);
    this.model = t.model ?? body.model ?? 'fake';
    this.includeUsage = body.stream_options?.include_usage === true;
  }

  open(): SseFrame[] {
    const toolsFirst =
      this.t.steps.find((s) => s.type === 'text' || s.type === 'tool-start')?.type === 'tool-start';
    return [this.chunk({ role: 'assistant', content: toolsFirst ? null : '', refusal: null })];
  }

  step(s: TurnStep): SseFrame[] {
    switch (s.type) {
      case 'text':
        return [this.chunk({ content: s.text })];
      case 'tool-start': {
        const fn = this.variant === 'vllm' ? { name: s.name } : { name: s.name, arguments: '' };
        return [this.chunk({ tool_calls: [{ index: s.index, id: s.id, type: 'function', function: fn }] })];
      }
      case 'tool-args':
        return [this.chunk({ tool_calls: [{ index: s.index, function: { arguments: s.args } }] })];
      case 'finish':
        return [this.chunk({}, s.raw ?? s.reason)];
      case 'usage':
        if (!this.includeUsage) return [];
        return [{ data: { ...this.envelope(), choices: [], usage: wireUsage(s) } }];
      case 'error':
        return [
          {
            data: { error: { message: s.message, type: 'server_error', param: null, code: s.code ?? null } },
          },
        ];
      default:
        return [];
    }
  }

  close(): SseFrame[] {
    return [{ data: '[DONE]' }];
  }

  private envelope() {
    return {
      id: this.labels.id,
      object: 'chat.completion.chunk',
      created: CREATED,
      model: this.model,
      system_fingerprint: this.labels.systemFingerprint,
    };
  }

  protected chunk(delta: Record<string, unknown>, finishReason: string | null = null): SseFrame {
    const choice = {
      index: 0,
      delta,
      ...(this.labels.logprobs ? { logprobs: null } : {}),
      finish_reason: finishReason,
    };
    return { data: { ...this.envelope(), choices: [choice] } };
  }
}

export function wireUsage(u: {
  promptTokens: number;
  completionTokens: number;
  reasoningTokens?: number;
  cachedTokens?: number;
}) {
  return {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.promptTokens + u.completionTokens,
    ...(u.cachedTokens === undefined ? {} : { prompt_tokens_details: { cached_tokens: u.cachedTokens } }),
    ...(u.reasoningTokens === undefined
      ? {}
      : { completion_tokens_details: { reasoning_tokens: u.reasoningTokens } }),
  };
}

/** The non-streaming `chat.completion` for a turn. */
export function openAICompletion(t: FakeTurn, request: RecordedRequest): unknown {
  const text = t.steps.flatMap((s) => (s.type === 'text' ? [s.text] : [])).join('');
  const args = callArguments(t);
  const calls = t.steps.flatMap((s) =>
    s.type === 'tool-start'
      ? [{ id: s.id, type: 'function', function: { name: s.name, arguments: args.get(s.index) ?? '' } }]
      : [],
  );
  const f = turnFinish(t);
  const u = turnUsage(t);
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: CREATED,
    model: t.model ?? bodyOf(request).model ?? 'fake',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text === '' && calls.length > 0 ? null : text,
          refusal: null,
          ...(calls.length > 0 ? { tool_calls: calls } : {}),
        },
        logprobs: null,
        finish_reason: f ? (f.raw ?? f.reason) : 'stop',
      },
    ],
    usage: wireUsage(u ?? { promptTokens: 0, completionTokens: 0 }),
  };
}

/** A fake OpenAI (or, with `variant: 'vllm'`, vLLM) server; its `url` ends in `/v1`. */
export function startFakeOpenAI(options: FakeLlmOptions & OpenAIWireOptions = {}): Promise<FakeLlm> {
  return startFakeLlm(openAIWire(options), options);
}
