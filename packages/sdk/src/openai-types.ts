// The answers of the LLM gateway's `/v1` routes: OpenAI's published wire format (the request is
// generated from the server's schema in types.ts; the server builds these answers in
// llm/openai-format.ts and declares no response schema for them, so they are written out here),
// plus Model Garden's `modelgarden` extension (docs/tools-and-mcp.md, docs/retrieval.md).

import type { Citation } from './types.js';

/** One model or alias on offer (`GET /v1/models`). */
export interface LlmModel {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** A Model Garden tool call the gateway ran: its result, or the error the LLM was given. */
export type ModelGardenToolReport = {
  id: string;
  name: string;
  /** The model behind the tool (its page is `/models/{model}`); null for a name that is no tool. */
  model: string | null;
  arguments: string;
} & (
  | { ok: true; version: number; result: unknown }
  | { ok: false; error: { code: string; message: string } }
);

/** `POST /v1/chat/completions` without `stream`. */
export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: {
      role: 'assistant';
      content: string | null;
      refusal?: string | null;
      tool_calls?: ChatToolCall[];
    };
    finish_reason: string | null;
  }>;
  usage?: ChatUsage;
  /**
   * With the `modelgarden` request field: the rounds run, every tool call in order and, when it
   * named `collections`, the passages the answer was given (cited in its text as `[marker]`).
   */
  modelgarden?: { steps: number; tool_calls: ModelGardenToolReport[]; citations?: Citation[] };
}

/** The tool extension chunks of a stream with `modelgarden.tools` (`choices` is empty). */
export type ModelGardenToolEvent =
  | { type: 'tool_call'; id: string; name: string; model: string | null; arguments: string }
  | ({ type: 'tool_result' } & ModelGardenToolReport);

/** With `modelgarden.collections`: one chunk before any content, the passages the answer was given. */
export interface ModelGardenCitationsEvent {
  type: 'citations';
  citations: Citation[];
}

/** Any extension chunk's `modelgarden` object. */
export type ModelGardenStreamEvent = ModelGardenToolEvent | ModelGardenCitationsEvent;

/** One `data:` event of a streamed completion. */
export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    delta: {
      role?: 'assistant';
      content?: string | null;
      tool_calls?: Array<{
        index: number;
        id?: string;
        type?: 'function';
        function?: { name?: string; arguments?: string };
      }>;
    };
    finish_reason: string | null;
  }>;
  /** Only on the usage chunk (`stream_options.include_usage`), whose `choices` is empty. */
  usage?: ChatUsage | null;
  modelgarden?: ModelGardenStreamEvent;
}

/** The event that ends a stream that failed after it started, in OpenAI's error shape. */
export interface ChatStreamError {
  error: { message: string; type: string; param: string | null; code: string | null };
}
