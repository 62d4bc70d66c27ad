// The answers of the LLM gateway's `/v1` routes in OpenAI's wire format, generated from the server's
// schemas (contract/openai-schemas.ts → ./generated/openapi.ts), plus Model Garden's `modelgarden`
// extension (docs/tools-and-mcp.md, docs/retrieval.md; its schemas: contract/chat-extension-schemas.ts).

import type { components } from './generated/openapi.js';

type Schemas = components['schemas'];

/** One model or alias on offer (`GET /v1/models`). */
export type LlmModel = Schemas['OpenAiModel'];
export type ChatUsage = Schemas['OpenAiUsage'];
export type ChatToolCall = Schemas['OpenAiToolCall'];

/** A Model Garden tool call the gateway ran: its result, or the error the LLM was given. */
export type ModelGardenToolReport = Schemas['ModelGardenToolReport'];

/**
 * `POST /v1/chat/completions` without `stream`. With the `modelgarden` request field, its
 * `modelgarden` object: the rounds run, every tool call in order and, when it named `collections`,
 * the passages the answer was given (cited in its text as `[marker]`).
 */
export type ChatCompletion = Schemas['ChatCompletion'];

/** The tool extension chunks of a stream with `modelgarden.tools` (`choices` is empty). */
export type ModelGardenToolEvent = Schemas['ToolCallChunk'] | Schemas['ToolResultChunk'];

/** With `modelgarden.collections`: one chunk before any content, the passages the answer was given. */
export type ModelGardenCitationsEvent = Schemas['CitationsChunk'];

/** Any extension chunk's `modelgarden` object. */
export type ModelGardenStreamEvent = Schemas['ModelGardenStreamEvent'];

/**
 * One `data:` event of a streamed completion; `usage` only on the usage chunk
 * (`stream_options.include_usage`), whose `choices` is empty, as an extension chunk's is.
 */
export type ChatCompletionChunk = Schemas['ChatCompletionChunk'];

/** The event that ends a stream that failed after it started, in OpenAI's error shape. */
export type ChatStreamError = Schemas['OpenAiError'];
