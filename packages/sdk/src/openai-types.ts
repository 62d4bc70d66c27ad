// The answers of the LLM gateway's `/v1` routes in OpenAI's wire format, generated from the server's
// schemas (contract/openai-schemas.ts → ./generated/openapi.ts), plus Model Garden's `modelgarden`
// extension (docs/tools-and-mcp.md, docs/retrieval.md). The extension's tool reports have no schema
// on the server yet (llm/tools/tool-loop.ts builds them), so they are the one shape written out here.

import type { components } from './generated/openapi.js';
import type { Citation } from './types.js';

type Schemas = components['schemas'];

/** One model or alias on offer (`GET /v1/models`). */
export type LlmModel = Schemas['OpenAiModel'];
export type ChatUsage = Schemas['OpenAiUsage'];
export type ChatToolCall = Schemas['OpenAiToolCall'];

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
export type ChatCompletion = Schemas['ChatCompletion'] & {
  /**
   * With the `modelgarden` request field: the rounds run, every tool call in order and, when it
   * named `collections`, the passages the answer was given (cited in its text as `[marker]`).
   */
  modelgarden?: { steps: number; tool_calls: ModelGardenToolReport[]; citations?: Citation[] };
};

/** The tool extension chunks of a stream with `modelgarden.tools` (`choices` is empty). */
export type ModelGardenToolEvent =
  | { type: 'tool_call'; id: string; name: string; model: string | null; arguments: string }
  | ({ type: 'tool_result' } & ModelGardenToolReport);

/** With `modelgarden.collections`: one chunk before any content, the passages the answer was given. */
export type ModelGardenCitationsEvent = Schemas['CitationsChunk'];

/** Any extension chunk's `modelgarden` object. */
export type ModelGardenStreamEvent = ModelGardenToolEvent | ModelGardenCitationsEvent;

/**
 * One `data:` event of a streamed completion; `usage` only on the usage chunk
 * (`stream_options.include_usage`), whose `choices` is empty, as an extension chunk's is.
 */
export type ChatCompletionChunk = Schemas['ChatCompletionChunk'] & { modelgarden?: ModelGardenStreamEvent };

/** The event that ends a stream that failed after it started, in OpenAI's error shape. */
export type ChatStreamError = Schemas['OpenAiError'];
