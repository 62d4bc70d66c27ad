/**
 * A fake Gemini API (`/v1beta/models/{model}:generateContent`, `:streamGenerateContent?alt=sse`,
 * `:batchEmbedContents`, `GET /v1beta/models`), from the generateContent reference: every SSE event is
 * a whole GenerateContentResponse (`candidates[0].content.parts`, `usageMetadata` on each chunk with
 * the full counts on the last, `modelVersion`, `responseId`), there is no `[DONE]`, function calls come
 * whole (all of a turn's calls as parts of one chunk, without ids), and the last chunk carries
 * `finishReason`. Errors are Google's `{"error":{"code","message","status","details"}}`.
 */
import type { FakeError, FakeLlm, FakeLlmOptions, FakeModel, StepRenderer, WireFormat } from './fake-llm.js';
import { renderTurnStream, startFakeLlm } from './fake-llm.js';
import type { RecordedRequest, SseFrame } from './fake-upstream.js';
import type { FakeTurn, TurnStep } from './turn.js';
import { callArguments, turnFinish, turnUsage } from './turn.js';

const FINISH = { stop: 'STOP', tool_calls: 'STOP', length: 'MAX_TOKENS', content_filter: 'SAFETY' };

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const CHAT_PATH =
  /^\/v1beta\/(models\/[^:]+|tunedModels\/[^:]+):(generateContent|streamGenerateContent|batchEmbedContents)$/;

/** The model a request names in its path (`gemini-2.0-flash`). */
export function geminiModelOf(request: RecordedRequest): string | undefined {
  return CHAT_PATH.exec(request.path)?.[1]?.replace(/^models\//, '');
}

export function geminiWire(): WireFormat {
  return {
    basePath: '',
    classify(request) {
      const m = CHAT_PATH.exec(request.path);
      if (request.method === 'POST' && m) {
        if (m[2] === 'batchEmbedContents') return { route: 'embeddings', stream: false };
        return { route: 'chat', stream: m[2] === 'streamGenerateContent' };
      }
      if (request.method === 'GET' && request.path === '/v1beta/models')
        return { route: 'models', stream: false };
      return { route: 'other', stream: false };
    },
    apiKey(request) {
      const key = request.headers['x-goog-api-key'];
      return typeof key === 'string' ? key : request.query.key;
    },
    renderStream: (t, request) => renderTurnStream(t, new GeminiStepRenderer(t, request)),
    renderJson: geminiResponse,
    renderError: (error: FakeError) =>
      geminiError(error.status, error.message ?? `fake ${error.status}`, error),
    renderModels(models: FakeModel[], request) {
      const size = Number(request.query.pageSize ?? 50);
      const start = Number(request.query.pageToken ?? 0);
      const page = models.slice(start, start + size);
      return {
        models: page.map((m) => ({
          name: `models/${m.id}`,
          displayName: m.id,
          supportedGenerationMethods:
            m.kind === 'embedding' ? ['embedContent'] : ['generateContent', 'countTokens'],
        })),
        ...(start + size < models.length ? { nextPageToken: String(start + size) } : {}),
      };
    },
    embeddingInputs(request) {
      const body = (request.body ?? {}) as {
        requests?: Array<{ content?: { parts?: Array<{ text?: string }> }; outputDimensionality?: number }>;
      };
      const requests = body.requests ?? [];
      const inputs = requests.map((r) => r.content?.parts?.map((p) => p.text ?? '').join('') ?? '');
      const dimensions = requests[0]?.outputDimensionality;
      return dimensions === undefined ? { inputs } : { inputs, dimensions };
    },
    renderEmbeddings: (vectors) => ({ embeddings: vectors.map((values) => ({ values })) }),
  };
}

function geminiError(status: number, message: string, extra: Partial<FakeError> = {}) {
  const details: unknown[] = [];
  if (extra.reason) {
    details.push({
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: extra.reason,
      domain: 'googleapis.com',
    });
  }
  if (extra.retryDelaySeconds !== undefined) {
    details.push({
      '@type': 'type.googleapis.com/google.rpc.RetryInfo',
      retryDelay: `${extra.retryDelaySeconds}s`,
    });
  }
  return {
    error: {
      code: status,
      message,
      status: extra.code ?? STATUS_NAMES[status] ?? 'UNKNOWN',
      ...(details.length > 0 ? { details } : {}),
    },
  };
}

function functionCallParts(t: FakeTurn): Array<Record<string, unknown>> {
  const args = callArguments(t);
  return t.steps.flatMap((s) =>
    s.type === 'tool-start'
      ? [{ functionCall: { name: s.name, args: JSON.parse(args.get(s.index) || '{}') } }]
      : [],
  );
}

class GeminiStepRenderer implements StepRenderer {
  private readonly model: string;
  private readonly usage: { promptTokens: number; completionTokens: number } | undefined;
  private callsSent = false;

  constructor(
    private readonly t: FakeTurn,
    request: RecordedRequest,
  ) {
    this.model = t.model ?? geminiModelOf(request) ?? 'gemini-fake';
    this.usage = turnUsage(t);
  }

  open(): SseFrame[] {
    return [];
  }

  step(s: TurnStep): SseFrame[] {
    switch (s.type) {
      case 'text':
        return [this.chunk([{ text: s.text }])];
      case 'tool-start':
        if (this.callsSent) return [];
        this.callsSent = true;
        return [this.chunk(functionCallParts(this.t))];
      case 'finish':
        return [this.chunk([{ text: '' }], s.raw ?? FINISH[s.reason])];
      case 'error':
        return [{ data: geminiError(s.status ?? 500, s.message, s.code ? { code: s.code } : {}) }];
      default:
        return [];
    }
  }

  close(): SseFrame[] {
    return [];
  }

  private chunk(parts: Array<Record<string, unknown>>, finishReason?: string): SseFrame {
    const u = this.usage;
    const usageMetadata = u
      ? finishReason
        ? {
            promptTokenCount: u.promptTokens,
            candidatesTokenCount: u.completionTokens,
            totalTokenCount: u.promptTokens + u.completionTokens,
          }
        : { promptTokenCount: u.promptTokens, totalTokenCount: u.promptTokens }
      : undefined;
    return {
      data: {
        candidates: [
          { content: { parts, role: 'model' }, ...(finishReason ? { finishReason } : {}), index: 0 },
        ],
        ...(usageMetadata ? { usageMetadata } : {}),
        modelVersion: this.model,
        responseId: 'resp-fake',
      },
    };
  }
}

/** The non-streaming GenerateContentResponse for a turn. */
export function geminiResponse(t: FakeTurn, request: RecordedRequest): unknown {
  const text = t.steps.flatMap((s) => (s.type === 'text' ? [s.text] : [])).join('');
  const parts = [...(text ? [{ text }] : []), ...functionCallParts(t)];
  const f = turnFinish(t);
  const u = turnUsage(t);
  return {
    candidates: [
      { content: { parts, role: 'model' }, finishReason: f ? (f.raw ?? FINISH[f.reason]) : 'STOP', index: 0 },
    ],
    ...(u
      ? {
          usageMetadata: {
            promptTokenCount: u.promptTokens,
            candidatesTokenCount: u.completionTokens,
            totalTokenCount: u.promptTokens + u.completionTokens,
          },
        }
      : {}),
    modelVersion: t.model ?? geminiModelOf(request) ?? 'gemini-fake',
    responseId: 'resp-fake',
  };
}

/** A fake Gemini API; its `url` is the origin (the provider adds `/v1beta/...`). */
export function startFakeGemini(options: FakeLlmOptions = {}): Promise<FakeLlm> {
  return startFakeLlm(geminiWire(), options);
}
