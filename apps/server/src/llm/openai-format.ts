/**
 * From the provider spec back to OpenAI's wire format: the `chat.completion` object, the SSE chunks
 * of a stream (role in the first delta, tool calls opened with id/type/name and `arguments: ""`,
 * then argument fragments by index, one finish chunk, the usage chunk with `choices: []` when asked,
 * `[DONE]`), embeddings (float or base64 little-endian float32) and models.
 */
import { randomBytes } from 'node:crypto';
import type { ChatCompletion, EmbeddingList, OpenAiModel, OpenAiUsage } from '../contract/openai-schemas.js';
import type { CatalogModel } from './catalog.js';
import type { ChatResult, ChatStreamPart, FinishReason, Usage } from './spec.js';

/** Random bytes drawn 4 KiB at a time: one `getrandom` for 341 ids instead of one each. */
const ID_BYTES = 12;
let idPool = Buffer.alloc(0);
let idOffset = 0;

export function completionId(): string {
  if (idOffset + ID_BYTES > idPool.length) {
    idPool = randomBytes(ID_BYTES * 341);
    idOffset = 0;
  }
  idOffset += ID_BYTES;
  return `chatcmpl-${idPool.toString('base64url', idOffset - ID_BYTES, idOffset)}`;
}

export function usageOf(u: Usage): OpenAiUsage {
  return {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.promptTokens + u.completionTokens,
    ...(u.cachedPromptTokens !== undefined
      ? { prompt_tokens_details: { cached_tokens: u.cachedPromptTokens } }
      : {}),
    ...(u.reasoningTokens !== undefined
      ? { completion_tokens_details: { reasoning_tokens: u.reasoningTokens } }
      : {}),
  };
}

export function chatCompletion(
  id: string,
  created: number,
  model: string,
  result: ChatResult,
  usage: Usage,
): ChatCompletion {
  return {
    id,
    object: 'chat.completion',
    created,
    model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: result.content,
          refusal: result.refusal ?? null,
          ...(result.toolCalls.length > 0 ? { tool_calls: result.toolCalls } : {}),
        },
        finish_reason: result.finishReason,
        logprobs: null,
      },
    ],
    usage: usageOf(usage),
  };
}

/** Renders one stream's parts as SSE events; keeps what the accumulator contract needs. */
export class ChunkWriter {
  private readonly head: string;
  private started = false;
  private finished = false;
  private sawToolCalls = false;

  constructor(
    id: string,
    created: number,
    model: string,
    private readonly includeUsage: boolean,
  ) {
    // Every chunk starts the same: render the constant part once.
    this.head = `data: {"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"choices":`;
  }

  private event(delta: Record<string, unknown>, finish: FinishReason | null = null): string {
    if (!this.started) {
      this.started = true;
      delta = { role: 'assistant', ...(delta.tool_calls ? { content: null } : {}), ...delta };
    }
    return `${this.head}[{"index":0,"delta":${JSON.stringify(delta)},"logprobs":null,"finish_reason":${finish === null ? 'null' : `"${finish}"`}}]}\n\n`;
  }

  /** The SSE text for one part, or '' for a part that renders at the end (usage). */
  part(p: ChatStreamPart): string {
    switch (p.type) {
      case 'text-delta':
        // The common part, rendered without building a delta object (same text as event()).
        if (!this.started) return this.event({ content: p.text });
        return `${this.head}[{"index":0,"delta":{"content":${JSON.stringify(p.text)}},"logprobs":null,"finish_reason":null}]}\n\n`;
      case 'refusal-delta':
        return this.event({ refusal: p.text });
      case 'tool-call-start':
        this.sawToolCalls = true;
        return this.event({
          tool_calls: [
            { index: p.index, id: p.id, type: 'function', function: { name: p.name, arguments: '' } },
          ],
        });
      case 'tool-call-delta':
        return this.event({ tool_calls: [{ index: p.index, function: { arguments: p.argumentsDelta } }] });
      case 'finish':
        if (this.finished) return '';
        this.finished = true;
        return this.event({}, p.finishReason);
      case 'usage':
        return '';
    }
  }

  /** What ends a stream that finished: the finish chunk if none came, the usage chunk, `[DONE]`. */
  end(usage: Usage | undefined): string {
    let out = '';
    if (!this.finished)
      out += this.part({ type: 'finish', finishReason: this.sawToolCalls ? 'tool_calls' : 'stop' });
    if (this.includeUsage && usage) out += `${this.head}[],"usage":${JSON.stringify(usageOf(usage))}}\n\n`;
    return `${out}data: [DONE]\n\n`;
  }
}

export function sseError(body: unknown): string {
  return `data: ${JSON.stringify(body)}\n\n`;
}

export function embeddingList(
  model: string,
  vectors: number[][],
  base64: boolean,
  promptTokens: number,
): EmbeddingList {
  return {
    object: 'list',
    data: vectors.map((v, index) => ({
      object: 'embedding',
      embedding: base64 ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v,
      index,
    })),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}

export function openAiModel(m: CatalogModel): OpenAiModel {
  return { id: m.id, object: 'model', created: m.created, owned_by: m.ownedBy };
}
