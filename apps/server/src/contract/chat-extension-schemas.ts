/**
 * Model Garden's chat extensions, defined once: the `modelgarden` request field of
 * `/v1/chat/completions` (models run as tools, collections retrieved from), the citations an answer
 * carries back (in the completion's `modelgarden` object and the stream's `citations` chunk), and
 * the record of an answer's tool calls and citations that a stored conversation message keeps.
 * See docs/tools-and-mcp.md and docs/retrieval.md ("Chat with a collection").
 */
import { z } from 'zod';

/** Names of models and collections: the registry's rule (registry/names.ts). */
const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const NAME_MESSAGE = 'must be 1-63 characters a-z 0-9 . _ -, starting with a letter or digit';

export const MAX_CHAT_COLLECTIONS = 8;
export const MAX_CHAT_K = 20;
/** Passages retrieved per request when `k` is left out. */
export const DEFAULT_CHAT_K = 4;

/** A model's or a collection's name. */
export const registryNameSchema = z
  .string()
  .regex(NAME, NAME_MESSAGE)
  .refine((s) => !s.includes('..'), NAME_MESSAGE);

/** `"modelgarden": {...}` in a chat completion request. At least one of `tools` and `collections`. */
export const modelgardenChatOptionsSchema = z
  .strictObject({
    /** Registered models (or tool names) the gateway offers and runs as tools, or `"all"`. */
    tools: z.union([z.literal('all'), z.array(z.string().min(1).max(200)).min(1).max(128)]).optional(),
    /** Rounds of tool calls the gateway runs (default 5). */
    max_steps: z.number().int().min(1).max(20).optional(),
    /** Knowledge bases searched with the last user message; the passages go to the LLM numbered. */
    collections: z.array(registryNameSchema).min(1).max(MAX_CHAT_COLLECTIONS).optional(),
    /** Passages retrieved in all (1-20, default 4). */
    k: z.number().int().min(1).max(MAX_CHAT_K).optional(),
  })
  .refine((o) => o.tools !== undefined || o.collections !== undefined, {
    message: "name 'tools', 'collections' or both",
  })
  .refine((o) => o.k === undefined || o.collections !== undefined, {
    message: "'k' needs 'collections'",
    path: ['k'],
  })
  .refine((o) => o.max_steps === undefined || o.tools !== undefined, {
    message: "'max_steps' needs 'tools'",
    path: ['max_steps'],
  });
export type ModelgardenChatOptions = z.infer<typeof modelgardenChatOptionsSchema>;

/** A passage given to the LLM as `[marker]`, and where it came from. */
export const citationSchema = z
  .object({
    marker: z.number().int().min(1),
    collection: z.string().min(1).max(63),
    documentId: z.string().min(1).max(100),
    documentName: z.string().max(1000),
    chunkIndex: z.number().int().min(0),
    /** The heading path of the passage (`file.md › Section`). */
    heading: z.string().max(2000).optional(),
    text: z.string().max(100_000),
    score: z.number(),
  })
  .strict()
  .meta({ id: 'Citation' });
export type Citation = z.infer<typeof citationSchema>;

/** The stream's citations chunk: `choices: []` and this object, before the first content delta. */
export const citationsChunkSchema = z
  .object({ type: z.literal('citations'), citations: z.array(citationSchema) })
  .meta({ id: 'CitationsChunk' });

// ---- what the gateway answers with `modelgarden` (documented, not validated: built by
// llm/tools/tool-loop.ts, typed from these schemas) ----

/** A Model Garden tool call the LLM made: which tool, the model behind it, the arguments it sent. */
const toolCallShape = {
  id: z.string(),
  name: z.string(),
  /** The model behind the tool (its page is `/models/{model}`); null for a name that is no tool. */
  model: z
    .string()
    .nullable()
    .describe('The model behind the tool (its page is `/models/{model}`); null for a name that is no tool'),
  arguments: z.string(),
};

/** A Model Garden tool call the gateway ran: its result, or the error the LLM was given. */
export const toolReportSchema = z
  .discriminatedUnion('ok', [
    z.object({ ...toolCallShape, ok: z.literal(true), version: z.number().int(), result: z.unknown() }),
    z.object({
      ...toolCallShape,
      ok: z.literal(false),
      error: z.object({ code: z.string(), message: z.string() }),
    }),
  ])
  .meta({ id: 'ModelGardenToolReport' });
export type ToolReport = z.infer<typeof toolReportSchema>;

/**
 * A non-streamed completion's `modelgarden` object: the rounds run, every tool call in order and,
 * when the request named `collections`, the passages the answer was given (cited as `[marker]`).
 */
export const modelgardenReportSchema = z
  .object({
    steps: z.number().int().min(1),
    tool_calls: z.array(toolReportSchema),
    citations: z.array(citationSchema).optional(),
  })
  .meta({ id: 'ModelGardenReport' });
export type ModelgardenReport = z.infer<typeof modelgardenReportSchema>;

/** The stream's `tool_call` chunk (`choices: []` and this object): a call about to run. */
export const toolCallChunkSchema = z
  .object({ type: z.literal('tool_call'), ...toolCallShape })
  .meta({ id: 'ToolCallChunk' });

/** The stream's `tool_result` chunk: the call's report, once it ran. */
export const toolResultChunkSchema = z
  .intersection(z.object({ type: z.literal('tool_result') }), toolReportSchema)
  .meta({ id: 'ToolResultChunk' });

/** Any extension chunk's `modelgarden` object. */
export const modelgardenStreamEventSchema = z
  .union([citationsChunkSchema, toolCallChunkSchema, toolResultChunkSchema])
  .meta({ id: 'ModelGardenStreamEvent' });
export type ModelgardenStreamEvent = z.infer<typeof modelgardenStreamEventSchema>;

/** A tool call of an answer as a conversation keeps it (the stream's `tool_result`, in short). */
export const storedToolCallSchema = z
  .object({
    id: z.string().min(1).max(200),
    name: z.string().min(1).max(200),
    /** The registered model it ran (null: no such tool). */
    model: z.string().max(200).nullable(),
    arguments: z.string().max(100_000),
    result: z.unknown().optional(),
    error: z
      .object({ code: z.string().max(100), message: z.string().max(10_000) })
      .strict()
      .optional(),
  })
  .strict()
  .meta({ id: 'ConversationToolCall' });
export type StoredToolCall = z.infer<typeof storedToolCallSchema>;

/** What a stored message shows beside its text: the tool calls run for it and its citations. */
export const messageExtrasSchema = z
  .object({
    toolCalls: z.array(storedToolCallSchema).max(100).optional(),
    citations: z.array(citationSchema).max(100).optional(),
  })
  .strict()
  .meta({ id: 'ConversationMessageExtras' });
export type MessageExtras = z.infer<typeof messageExtrasSchema>;
