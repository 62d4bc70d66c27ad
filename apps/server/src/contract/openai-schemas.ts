/**
 * The OpenAI wire format the `/v1` gateway routes speak, defined once: request schemas (zod, used to
 * validate and named in the OpenAPI document) and response schemas (zod, for the document and the
 * types; not run on the request path). Written from OpenAI's
 * OpenAPI spec (`CreateChatCompletionRequest`, `CreateChatCompletionStreamResponse`,
 * `CreateEmbeddingRequest`, `Model`, `ErrorResponse`); see shared/reference/openai-chat-wire.md.
 * Objects are strict: a field OpenAI has but the gateway cannot honour is refused by name
 * (UNSUPPORTED_PARAMETER), never silently dropped.
 */
import { z } from 'zod';
import {
  modelgardenChatOptionsSchema,
  modelgardenReportSchema,
  modelgardenStreamEventSchema,
} from './chat-extension-schemas.js';

const textPart = z.strictObject({ type: z.literal('text'), text: z.string() });
const imagePart = z.strictObject({
  type: z.literal('image_url'),
  image_url: z.strictObject({
    url: z.string().regex(/^(https?:|data:image\/)/, 'must be an http(s) URL or a data:image/… URL'),
    detail: z.enum(['auto', 'low', 'high']).optional(),
  }),
});
const unsupportedPart = z.looseObject({ type: z.enum(['input_audio', 'file']) });
const anyPart = z.union([textPart, imagePart, unsupportedPart]);
const content = z.union([z.string(), z.array(anyPart).min(1)]);
const textContent = z.union([z.string(), z.array(textPart).min(1)]);

const toolCall = z.strictObject({
  id: z.string().min(1),
  type: z.literal('function'),
  function: z.strictObject({ name: z.string().min(1), arguments: z.string() }),
});

export const chatMessageSchema = z.discriminatedUnion('role', [
  z.strictObject({
    role: z.enum(['system', 'developer']),
    content: textContent,
    name: z.string().optional(),
  }),
  z.strictObject({ role: z.literal('user'), content, name: z.string().optional() }),
  z.strictObject({
    role: z.literal('assistant'),
    content: z.union([textContent, z.null()]).optional(),
    tool_calls: z.array(toolCall).optional(),
    refusal: z.string().nullable().optional(),
    name: z.string().optional(),
  }),
  z.strictObject({ role: z.literal('tool'), content: textContent, tool_call_id: z.string().min(1) }),
]);

const toolDefinition = z.strictObject({
  type: z.literal('function'),
  function: z.strictObject({
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be a-z, A-Z, 0-9, _ or -, up to 64'),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullable().optional(),
  }),
});

const responseFormat = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text') }),
  z.strictObject({ type: z.literal('json_object') }),
  z.strictObject({
    type: z.literal('json_schema'),
    json_schema: z.strictObject({
      name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be a-z, A-Z, 0-9, _ or -, up to 64'),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullable().optional(),
    }),
  }),
]);

const modelName = z.string().min(1).max(256);

/** `POST /v1/chat/completions`. Fields the gateway never honours are in, so they are refused by name. */
export const chatCompletionRequestSchema = z.strictObject({
  model: modelName,
  messages: z.array(chatMessageSchema).min(1),
  stream: z.boolean().nullable().optional(),
  stream_options: z
    .strictObject({ include_usage: z.boolean().optional(), include_obfuscation: z.boolean().optional() })
    .nullable()
    .optional(),
  tools: z.array(toolDefinition).optional(),
  tool_choice: z
    .union([
      z.enum(['none', 'auto', 'required']),
      z.strictObject({ type: z.literal('function'), function: z.strictObject({ name: z.string().min(1) }) }),
    ])
    .optional(),
  parallel_tool_calls: z.boolean().optional(),
  response_format: responseFormat.optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  max_tokens: z.number().int().positive().nullable().optional(),
  max_completion_tokens: z.number().int().positive().nullable().optional(),
  stop: z
    .union([z.string(), z.array(z.string()).max(4)])
    .nullable()
    .optional(),
  seed: z.number().int().nullable().optional(),
  presence_penalty: z.number().min(-2).max(2).nullable().optional(),
  frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
  user: z.string().max(256).optional(),
  n: z.number().int().min(1).max(128).nullable().optional(),
  logprobs: z.boolean().nullable().optional(),
  top_logprobs: z.number().int().min(0).max(20).nullable().optional(),
  logit_bias: z.record(z.string(), z.number()).nullable().optional(),
  /**
   * Model Garden's extension: the gateway offers these registered models as tools and runs the
   * LLM's calls to them itself, and retrieves passages of these collections for the answer to cite
   * (contract/chat-extension-schemas.ts, llm/tools/tool-loop.ts, docs/tools-and-mcp.md, docs/retrieval.md).
   */
  modelgarden: modelgardenChatOptionsSchema.optional(),
});
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

/** `POST /v1/embeddings`. Token-array inputs are refused: providers take text. */
export const embeddingRequestSchema = z.strictObject({
  model: modelName,
  input: z.union([
    z.string(),
    z.array(z.string()).min(1).max(2048),
    z.array(z.number()),
    z.array(z.array(z.number())),
  ]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().positive().optional(),
  user: z.string().max(256).optional(),
});
export type EmbeddingRequestBody = z.infer<typeof embeddingRequestSchema>;

export const modelParamsSchema = z.object({ '*': z.string().min(1).max(256) });

// ---- responses ----
// Documented in the OpenAPI document (the routes' `responseContent`) and typed from these schemas;
// built by hand in llm/openai-format.ts and sent as they are, never validated or serialised
// through zod on the request path (that would cost more than the answer: bench/RESULTS.md).

export const openAiUsageSchema = z
  .object({
    prompt_tokens: z.number().int(),
    completion_tokens: z.number().int(),
    total_tokens: z.number().int(),
    prompt_tokens_details: z.object({ cached_tokens: z.number().int() }).optional(),
    completion_tokens_details: z.object({ reasoning_tokens: z.number().int() }).optional(),
  })
  .meta({ id: 'OpenAiUsage' });
export type OpenAiUsage = z.infer<typeof openAiUsageSchema>;

export const openAiToolCallSchema = z
  .object({
    id: z.string(),
    type: z.literal('function'),
    function: z.object({ name: z.string(), arguments: z.string() }),
  })
  .meta({ id: 'OpenAiToolCall' });
export type OpenAiToolCall = z.infer<typeof openAiToolCallSchema>;

const finishReason = z.enum(['stop', 'length', 'tool_calls', 'content_filter']);

/** A non-streamed answer (OpenAI's `CreateChatCompletionResponse`, one choice). */
export const chatCompletionSchema = z
  .object({
    id: z.string(),
    object: z.literal('chat.completion'),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.literal(0),
        message: z.object({
          role: z.literal('assistant'),
          content: z.string().nullable(),
          refusal: z.string().nullable(),
          tool_calls: z.array(openAiToolCallSchema).optional(),
        }),
        finish_reason: finishReason,
        logprobs: z.null(),
      }),
    ),
    usage: openAiUsageSchema,
    /** With the `modelgarden` request field: the tool calls run and the passages given (tool-loop.ts). */
    modelgarden: modelgardenReportSchema.optional(),
  })
  .meta({ id: 'ChatCompletion' });
export type ChatCompletion = z.infer<typeof chatCompletionSchema>;

/**
 * One event of a streamed answer (`data: <this JSON>`; OpenAI's `CreateChatCompletionStreamResponse`):
 * the role in the first delta, tool calls opened with id/type/name then argument fragments by index,
 * one chunk with the finish reason, and with `stream_options.include_usage` a last chunk with
 * `choices: []` and the usage.
 */
export const chatCompletionChunkSchema = z
  .object({
    id: z.string(),
    object: z.literal('chat.completion.chunk'),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.literal(0),
        delta: z.object({
          role: z.literal('assistant').optional(),
          content: z.string().nullable().optional(),
          refusal: z.string().nullable().optional(),
          tool_calls: z
            .array(
              z.object({
                index: z.number().int(),
                id: z.string().optional(),
                type: z.literal('function').optional(),
                function: z.object({ name: z.string().optional(), arguments: z.string().optional() }),
              }),
            )
            .optional(),
        }),
        finish_reason: finishReason.nullable(),
        logprobs: z.null(),
      }),
    ),
    usage: openAiUsageSchema.optional(),
    /** Model Garden's extension chunks (`choices: []`): citations, tool calls and their results. */
    modelgarden: modelgardenStreamEventSchema.optional(),
  })
  .meta({ id: 'ChatCompletionChunk' });
export type ChatCompletionChunk = z.infer<typeof chatCompletionChunkSchema>;

/** The `text/event-stream` answer of a streamed chat completion, described for the document. */
export const chatCompletionEventStreamSchema = z.string().meta({
  id: 'ChatCompletionEventStream',
  description:
    'Server-sent events, each `data: <JSON>` followed by a blank line: ChatCompletionChunk objects in order, ' +
    'then `data: [DONE]`. A failure after the first chunk ends the stream with one `data: <OpenAiError JSON>` ' +
    'event instead of `[DONE]`.',
});

export const embeddingListSchema = z
  .object({
    object: z.literal('list'),
    data: z.array(
      z.object({
        object: z.literal('embedding'),
        /** Numbers, or with `encoding_format: "base64"` little-endian float32 bytes in base64. */
        embedding: z.union([z.array(z.number()), z.string()]),
        index: z.number().int(),
      }),
    ),
    model: z.string(),
    usage: z.object({ prompt_tokens: z.number().int(), total_tokens: z.number().int() }),
  })
  .meta({ id: 'EmbeddingList' });
export type EmbeddingList = z.infer<typeof embeddingListSchema>;

export const openAiModelSchema = z
  .object({
    id: z.string(),
    object: z.literal('model'),
    created: z.number().int(),
    owned_by: z.string(),
  })
  .meta({ id: 'OpenAiModel' });
export type OpenAiModel = z.infer<typeof openAiModelSchema>;

export const openAiModelListSchema = z
  .object({ object: z.literal('list'), data: z.array(openAiModelSchema) })
  .meta({ id: 'OpenAiModelList' });
export type OpenAiModelList = z.infer<typeof openAiModelListSchema>;

/** Every /v1 error (OpenAI's `ErrorResponse`): `code` is OpenAI's where its clients know one. */
export const openAiErrorSchema = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string(),
      param: z.string().nullable(),
      code: z.string().nullable(),
    }),
  })
  .meta({ id: 'OpenAiError' });
export type OpenAiError = z.infer<typeof openAiErrorSchema>;
