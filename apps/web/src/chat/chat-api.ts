// The chat page's calls, all through the SDK: stored conversations (/api/conversations), the models
// on offer (/v1/models), the registry's models (offered as tools) and the knowledge bases, the
// providers' status, and a streamed completion (/v1/chat/completions, its SSE body read with
// eventsource-parser), including Model Garden's stream extension (tool calls, citations).

import type {
  AppendedMessages,
  ChatCompletionChunk,
  ChatCompletionRequest,
  ChatStreamError,
  Citation,
  Collection,
  Conversation,
  ConversationPatch,
  ConversationToolCall,
  ConversationWithMessages,
  LlmModel,
  LlmProviders,
  ModelGardenStreamEvent,
  ModelSummary,
  NewConversation,
  NewConversationMessage,
} from '@modelgarden/sdk';
import { createParser } from 'eventsource-parser';
import { ApiError } from '../api/api-error';
import { call } from '../api/client';

export type { Citation };
export type ContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };
export type MessageContent = string | ContentPart[];

export const chatApi = {
  listConversations: (): Promise<Conversation[]> => call((c) => c.listConversations()),
  createConversation: (input: NewConversation): Promise<Conversation> =>
    call((c) => c.createConversation(input)),
  getConversation: (id: string): Promise<ConversationWithMessages> => call((c) => c.getConversation(id)),
  updateConversation: (id: string, patch: ConversationPatch): Promise<Conversation> =>
    call((c) => c.updateConversation(id, patch)),
  deleteConversation: (id: string): Promise<void> => call((c) => c.deleteConversation(id)),
  appendMessages: (id: string, messages: NewConversationMessage[]): Promise<AppendedMessages> =>
    call((c) => c.appendMessages(id, messages)),
  providers: (): Promise<LlmProviders> => call((c) => c.llmProviders()),
  /** The registry's models the user may see: the ones with a version can be offered as tools. */
  registryModels: (): Promise<ModelSummary[]> => call((c) => c.listModels()),
  collections: (): Promise<Collection[]> => call((c) => c.listCollections()),
  models: (): Promise<LlmModel[]> => call((c) => c.llmModels()),
};

export type ChatRequest = Omit<ChatCompletionRequest, 'stream' | 'stream_options'>;

/** A tool call the gateway ran (or is running: no result or error yet), as a stored message keeps it. */
export type ToolCallView = ConversationToolCall;

/** What a stream yields, in order: text, the gateway's tool calls and their results, citations. */
export type StreamEvent =
  | { type: 'text'; text: string }
  | { type: 'tool_call'; call: ToolCallView }
  | { type: 'tool_result'; call: ToolCallView }
  | { type: 'citations'; citations: Citation[] };

function extensionEvent(ext: ModelGardenStreamEvent): StreamEvent {
  if (ext.type === 'citations') return { type: 'citations', citations: ext.citations };
  const call: ToolCallView = { id: ext.id, name: ext.name, model: ext.model, arguments: ext.arguments };
  if (ext.type === 'tool_call') return { type: 'tool_call', call };
  return {
    type: 'tool_result',
    call: ext.ok ? { ...call, result: ext.result } : { ...call, error: ext.error },
  };
}

export interface StreamResult {
  finishReason: string | null;
  usage: { promptTokens: number; completionTokens: number } | null;
}

/**
 * Streams a completion: `onEvent` gets each text fragment, tool call, tool result and the citations
 * as they arrive. Resolves when the stream ends (or is aborted through `signal`: then with
 * `finishReason: 'stopped'`); an error event mid-stream rejects with its message, and so does a body
 * that ends without `[DONE]`.
 */
export async function streamChat(
  request: ChatRequest,
  onEvent: (event: StreamEvent) => void,
  signal: AbortSignal,
): Promise<StreamResult> {
  let body: ReadableStream<Uint8Array>;
  try {
    body = await call((c) =>
      c.chatCompletionStream({ ...request, stream_options: { include_usage: true } }, { signal }),
    );
  } catch (err) {
    if (signal.aborted) return { finishReason: 'stopped', usage: null };
    throw err;
  }

  const result: StreamResult = { finishReason: null, usage: null };
  let failure: ApiError | null = null;
  let finished = false;
  const parser = createParser({
    onEvent(event) {
      if (event.data === '[DONE]') {
        finished = true;
        return;
      }
      const chunk = JSON.parse(event.data) as ChatCompletionChunk | ChatStreamError;
      if ('error' in chunk) {
        failure = new ApiError(chunk.error.code ?? 'UPSTREAM_ERROR', chunk.error.message, 502);
        return;
      }
      if (chunk.modelgarden) onEvent(extensionEvent(chunk.modelgarden));
      for (const choice of chunk.choices ?? []) {
        if (choice.delta?.content) onEvent({ type: 'text', text: choice.delta.content });
        if (choice.finish_reason) result.finishReason = choice.finish_reason;
      }
      if (chunk.usage)
        result.usage = {
          promptTokens: chunk.usage.prompt_tokens,
          completionTokens: chunk.usage.completion_tokens,
        };
    },
  });
  const reader = body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
    }
  } catch (err) {
    if (signal.aborted) return { ...result, finishReason: 'stopped' };
    throw err;
  }
  if (failure) throw failure;
  // The gateway ends every stream with [DONE] or an error event: a body that just stops was cut off
  // on the way (a proxy, the server going down), and the answer is not whole.
  if (!finished)
    throw new ApiError('STREAM_CUT_OFF', 'The answer stopped arriving before it was finished.', 502);
  return result;
}
