/**
 * The OpenAI wire format the `/v1` gateway routes speak, defined once: request schemas (zod, used to
 * validate and named in the OpenAPI document) and the response shapes (types). Written from OpenAI's
 * OpenAPI spec (`CreateChatCompletionRequest`, `CreateChatCompletionStreamResponse`,
 * `CreateEmbeddingRequest`, `Model`, `ErrorResponse`); see shared/reference/openai-chat-wire.md.
 * Objects are strict: a field OpenAI has but the gateway cannot honour is refused by name
 * (UNSUPPORTED_PARAMETER), never silently dropped.
 */
import { z } from 'zod';
import { modelgardenChatOptionsSchema } from './chat-extension-schemas.js';

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

// ---- responses (shapes only; built by llm/openai-format.ts) ----

export interface OpenAiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number };
  completion_tokens_details?: { reasoning_tokens: number };
}

export interface OpenAiToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: 0;
    message: {
      role: 'assistant';
      content: string | null;
      refusal: string | null;
      tool_calls?: OpenAiToolCall[];
    };
    finish_reason: 'stop' | 'length' | 'tool_calls' | 'content_filter';
    logprobs: null;
  }>;
  usage: OpenAiUsage;
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: Array<{
    index: 0;
    delta: Record<string, unknown>;
    finish_reason: string | null;
    logprobs: null;
  }>;
  usage?: OpenAiUsage;
}

export interface EmbeddingList {
  object: 'list';
  data: Array<{ object: 'embedding'; embedding: number[] | string; index: number }>;
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

export interface OpenAiModel {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

export interface OpenAiError {
  error: { message: string; type: string; param: string | null; code: string | null };
}
