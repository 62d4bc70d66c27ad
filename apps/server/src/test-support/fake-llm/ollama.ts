/**
 * A fake Ollama OpenAI-compatible upstream (`/v1/...`), as Ollama's `openai` middleware streams:
 * every delta carries `role: "assistant"` and a `content` string, ids look like `chatcmpl-123`,
 * `system_fingerprint` is `fp_ollama`, and tool calls come whole — every call of the turn in one
 * chunk, arguments complete — rather than as fragments. Options reproduce older releases: no `index`
 * on tool calls (ollama/ollama#7881) and `finish_reason: "stop"` after tool calls (before #7963).
 * Errors use Ollama's `{"error":{"message","type","param":null,"code":null}}`.
 */
import type { FakeError, FakeLlm, FakeLlmOptions, WireFormat } from './fake-llm.js';
import { renderTurnStream, startFakeLlm } from './fake-llm.js';
import type { RecordedRequest, SseFrame } from './fake-upstream.js';
import { OpenAIStepRenderer, openAIWire } from './openai.js';
import type { FakeTurn, TurnStep } from './turn.js';
import { callArguments } from './turn.js';

export interface OllamaWireOptions {
  /** Tool calls without `index` (Ollama before the fix for #7881). */
  noToolCallIndex?: boolean;
  /** `finish_reason: "stop"` even when the turn called tools (Ollama before #7963). */
  stopAfterToolCalls?: boolean;
}

export function ollamaWire(options: OllamaWireOptions = {}): WireFormat {
  const base = openAIWire();
  return {
    ...base,
    renderStream: (t, request) => renderTurnStream(t, new OllamaStepRenderer(t, request, options)),
    renderError(error: FakeError) {
      const type =
        error.code ??
        (error.status === 404
          ? 'not_found_error'
          : error.status < 500
            ? 'invalid_request_error'
            : 'api_error');
      return {
        error: { message: error.message ?? `fake error ${error.status}`, type, param: null, code: null },
      };
    },
    renderModels: (models) => ({
      object: 'list',
      data: models.map((m) => ({
        id: m.id,
        object: 'model',
        created: m.created ?? 1_760_000_000,
        owned_by: 'library',
      })),
    }),
  };
}

/** Ollama's stream: OpenAI's, with its labels, `role` on every delta, and tool calls whole. */
class OllamaStepRenderer extends OpenAIStepRenderer {
  private readonly args: Map<number, string>;
  private callsSent = false;
  private sawCalls = false;

  constructor(
    t: FakeTurn,
    request: RecordedRequest,
    private readonly options: OllamaWireOptions,
  ) {
    super(t, request, 'openai', { id: 'chatcmpl-123', systemFingerprint: 'fp_ollama', logprobs: false });
    this.args = callArguments(t);
  }

  override open(): SseFrame[] {
    return [];
  }

  override step(s: TurnStep): SseFrame[] {
    switch (s.type) {
      case 'text':
        return [this.chunk({ role: 'assistant', content: s.text })];
      case 'tool-start': {
        // Every call of the turn, whole, in the chunk where the first one starts.
        this.sawCalls = true;
        if (this.callsSent) return [];
        this.callsSent = true;
        const calls = this.t.steps.flatMap((c) =>
          c.type === 'tool-start'
            ? [
                {
                  id: c.id,
                  ...(this.options.noToolCallIndex ? {} : { index: c.index }),
                  type: 'function',
                  function: { name: c.name, arguments: this.args.get(c.index) ?? '' },
                },
              ]
            : [],
        );
        return [this.chunk({ role: 'assistant', content: '', tool_calls: calls })];
      }
      case 'tool-args':
        return [];
      case 'finish': {
        const reason = s.raw ?? (this.sawCalls && this.options.stopAfterToolCalls ? 'stop' : s.reason);
        return [this.chunk({ role: 'assistant', content: '' }, reason)];
      }
      case 'usage':
        // Ollama has no detail counts.
        return super.step({
          type: 'usage',
          promptTokens: s.promptTokens,
          completionTokens: s.completionTokens,
        });
      case 'error':
        return [{ data: { error: { message: s.message, type: 'api_error', param: null, code: null } } }];
      default:
        return super.step(s);
    }
  }
}

/** A fake Ollama server; its `url` ends in `/v1`. */
export function startFakeOllama(options: FakeLlmOptions & OllamaWireOptions = {}): Promise<FakeLlm> {
  return startFakeLlm(ollamaWire(options), options);
}
