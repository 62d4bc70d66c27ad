/**
 * An in-process LlmProvider for unit tests of the router, catalog and gateway: each call is answered
 * by a script the test gives, and every call's request and signal are kept for assertions. (Tests of
 * the real providers drive them against fake upstreams over HTTP instead.)
 */
import type {
  CallOptions,
  ChatRequest,
  ChatResult,
  ChatStreamPart,
  EmbeddingRequest,
  EmbeddingResult,
  LlmProvider,
  ProviderCapabilities,
  ProviderModel,
} from '../llm/spec.js';

export interface ScriptedProvider extends LlmProvider {
  calls: Array<{ request: ChatRequest | EmbeddingRequest; signal: AbortSignal | undefined }>;
}

export interface Script {
  chat?: (request: ChatRequest, options: CallOptions) => Promise<ChatResult>;
  stream?: (request: ChatRequest, options: CallOptions) => AsyncIterable<ChatStreamPart>;
  embed?: (request: EmbeddingRequest, options: CallOptions) => Promise<EmbeddingResult>;
  models?: () => Promise<ProviderModel[]>;
  capabilities?: Partial<ProviderCapabilities>;
}

export const FULL_CAPABILITIES: ProviderCapabilities = {
  tools: true,
  images: true,
  embeddings: true,
  seed: true,
  responseFormat: true,
  penalties: true,
};

export function scriptedProvider(name: string, script: Script): ScriptedProvider {
  const calls: ScriptedProvider['calls'] = [];
  const provider: ScriptedProvider = {
    name,
    kind: 'openai-compatible',
    capabilities: { ...FULL_CAPABILITIES, ...script.capabilities },
    calls,
    chat(request, options = {}) {
      calls.push({ request, signal: options.signal });
      if (!script.chat) throw new Error(`${name}: no chat script`);
      return script.chat(request, options);
    },
    streamChat(request, options = {}) {
      calls.push({ request, signal: options.signal });
      if (!script.stream) throw new Error(`${name}: no stream script`);
      return script.stream(request, options);
    },
    listModels: () => script.models?.() ?? Promise.resolve([]),
  };
  if (script.embed) {
    const embed = script.embed;
    provider.embed = (request, options = {}) => {
      calls.push({ request, signal: options.signal });
      return embed(request, options);
    };
  }
  return provider;
}

/** A promise that rejects when the signal aborts (an upstream that never answers but honours aborts). */
export function never<T>(signal: AbortSignal | undefined): Promise<T> {
  return new Promise((_, reject) => {
    signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

export function textResult(text: string, usage = { promptTokens: 3, completionTokens: 2 }): ChatResult {
  return { content: text, toolCalls: [], finishReason: 'stop', usage };
}

/** Streams the given parts (stopping with the abort reason once the signal aborts). */
export async function* partsOf(
  parts: ChatStreamPart[],
  signal?: AbortSignal,
): AsyncGenerator<ChatStreamPart> {
  for (const p of parts) {
    if (signal?.aborted) throw signal.reason;
    yield p;
  }
}
