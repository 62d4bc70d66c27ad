// The chat page's calls: stored conversations (/api/conversations), the models on offer (/v1/models),
// the registry's models (offered as tools) and the knowledge bases, the providers' status, and a
// streamed completion (/v1/chat/completions, SSE read with eventsource-parser) with the session cookie
// and the CSRF header, including Model Garden's stream extension (tool calls, citations).

import type {
  AppendedMessages,
  Collection,
  Conversation,
  ConversationMessage,
  ConversationPatch,
  ConversationWithMessages,
  LlmProviders,
  ModelSummary,
  NewConversation,
  NewConversationMessage,
} from '@modelgarden/sdk';
import { createParser } from 'eventsource-parser';
import { ApiError, errorFromResponse, networkError } from '../api/api-error';
import { call } from '../api/client';
import { currentCsrfToken } from '../auth/session-state';

export type ContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };
export type MessageContent = string | ContentPart[];

export interface LlmModel {
  id: string;
  owned_by?: string;
}

/** The /v1 routes are OpenAI's wire format (no SDK method): plain fetch with the session's CSRF token. */
function v1Headers(): Record<string, string> {
  const csrf = currentCsrfToken();
  return csrf ? { 'x-csrf-token': csrf } : {};
}

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
  async models(): Promise<LlmModel[]> {
    let res: Response;
    try {
      res = await fetch('/v1/models', { headers: { accept: 'application/json' } });
    } catch {
      throw networkError();
    }
    const text = await res.text();
    if (!res.ok) throw errorFromResponse(res.status, res.statusText, text);
    return (JSON.parse(text) as { data: LlmModel[] }).data;
  },
};

export interface ChatRequest {
  model: string;
  messages: Array<{ role: 'system' | 'user' | 'assistant'; content: MessageContent }>;
  temperature?: number;
  /** The gateway runs these registered models as tools and retrieves from these collections. */
  modelgarden?: { tools?: string[]; collections?: string[] };
}

type MessageExtras = NonNullable<ConversationMessage['extras']>;
/** A tool call the gateway ran (or is running: no result or error yet), as a stored message keeps it. */
export type ToolCallView = NonNullable<MessageExtras['toolCalls']>[number];
/** A passage handed to the LLM as `[marker]`, as the stream's citations chunk lists it. */
export type Citation = NonNullable<MessageExtras['citations']>[number];

/** What a stream yields, in order: text, the gateway's tool calls and their results, citations. */
export type StreamEvent =
  | { type: 'text'; text: string }
  | { type: 'tool_call'; call: ToolCallView }
  | { type: 'tool_result'; call: ToolCallView }
  | { type: 'citations'; citations: Citation[] };

/** The `modelgarden` object of an extension chunk (docs/tools-and-mcp.md, docs/retrieval.md). */
type Extension =
  | {
      type: 'tool_call' | 'tool_result';
      id: string;
      name: string;
      model?: string | null;
      arguments?: string;
      ok?: boolean;
      result?: unknown;
      error?: { code: string; message: string };
    }
  | { type: 'citations'; citations: Citation[] };

function extensionEvent(ext: Extension): StreamEvent | null {
  if (ext.type === 'citations') return { type: 'citations', citations: ext.citations };
  if (ext.type !== 'tool_call' && ext.type !== 'tool_result') return null;
  const call: ToolCallView = {
    id: ext.id,
    name: ext.name,
    model: ext.model ?? null,
    arguments: ext.arguments ?? '',
  };
  if (ext.type === 'tool_result') {
    if (ext.ok === false) call.error = ext.error ?? { code: 'TOOL_FAILED', message: 'The tool call failed' };
    else call.result = ext.result;
  }
  return { type: ext.type, call };
}

export interface StreamResult {
  finishReason: string | null;
  usage: { promptTokens: number; completionTokens: number } | null;
}

/** OpenAI's error shape `{"error": {"message", "code"}}` (the /v1 routes), as an ApiError. */
function openAiError(status: number, text: string): ApiError {
  try {
    const body = JSON.parse(text) as { error?: { message?: string; code?: string | null } };
    if (body.error?.message)
      return new ApiError(body.error.code ?? `HTTP_${status}`, body.error.message, status);
  } catch {
    // not JSON
  }
  return new ApiError(`HTTP_${status}`, `The server answered ${status}`, status);
}

/**
 * Streams a completion: `onEvent` gets each text fragment, tool call, tool result and the citations
 * as they arrive. Resolves when the stream ends (or is aborted through `signal`: then with
 * `finishReason: 'stopped'`); an error event mid-stream rejects with its message.
 */
export async function streamChat(
  body: ChatRequest,
  onEvent: (event: StreamEvent) => void,
  signal: AbortSignal,
): Promise<StreamResult> {
  let response: Response;
  try {
    response = await fetch('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...v1Headers() },
      body: JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } }),
      signal,
    });
  } catch (err) {
    if (signal.aborted) return { finishReason: 'stopped', usage: null };
    throw err instanceof Error && err.name === 'AbortError' ? err : networkError();
  }
  if (!response.ok || !response.body) throw openAiError(response.status, await response.text());

  const result: StreamResult = { finishReason: null, usage: null };
  let failure: ApiError | null = null;
  const parser = createParser({
    onEvent(event) {
      if (event.data === '[DONE]') return;
      const chunk = JSON.parse(event.data) as {
        error?: { message: string; code?: string | null };
        choices?: Array<{ delta?: { content?: string | null }; finish_reason?: string | null }>;
        usage?: { prompt_tokens: number; completion_tokens: number } | null;
        modelgarden?: Extension;
      };
      if (chunk.error) {
        failure = new ApiError(chunk.error.code ?? 'UPSTREAM_ERROR', chunk.error.message, 502);
        return;
      }
      const extension = chunk.modelgarden && extensionEvent(chunk.modelgarden);
      if (extension) onEvent(extension);
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
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(value);
    }
  } catch (err) {
    if (signal.aborted) return { ...result, finishReason: 'stopped' };
    throw err;
  }
  if (failure) throw failure;
  return result;
}
