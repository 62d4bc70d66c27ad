/**
 * Zod schemas of the chat page's stored conversations (`/api/conversations`): a conversation's
 * settings (model, system prompt, temperature, the models offered as tools, the collections it
 * retrieves from), its messages in OpenAI's content shape (text, or text and image parts as data
 * URLs), each answer's token usage and its extras (tool calls and citations).
 */
import { z } from 'zod';
import { MAX_CHAT_COLLECTIONS, messageExtrasSchema, registryNameSchema } from './chat-extension-schemas.js';

export const MESSAGE_ROLES = ['user', 'assistant'] as const;

/** How an answer ended: the provider's finish reason, `stopped` by the user, or `error` mid-stream. */
export const FINISH_REASONS = ['stop', 'length', 'content_filter', 'tool_calls', 'stopped', 'error'] as const;

const title = z.string().trim().min(1).max(200);
const model = z.string().min(1).max(256);
const systemPrompt = z.string().max(20_000);
const temperature = z.number().min(0).max(2);
export const MAX_CONVERSATION_TOOLS = 16;
/** What one chat request may retrieve from: a conversation with more could not send its next turn. */
export const MAX_CONVERSATION_COLLECTIONS = MAX_CHAT_COLLECTIONS;
const names = (max: number) =>
  z
    .array(registryNameSchema)
    .max(max)
    .refine((a) => new Set(a).size === a.length, 'must not repeat a name');
/** Model names offered to the LLM as tools. */
const tools = names(MAX_CONVERSATION_TOOLS);
/** Knowledge bases each turn retrieves from. */
const collections = names(MAX_CONVERSATION_COLLECTIONS);

export const conversationIdParams = z.object({ id: z.uuid() });

/** OpenAI's content parts: text, or an image as a URL (the chat page sends data: URLs). */
export const messageContentSchema = z.union([
  z.string().max(200_000),
  z
    .array(
      z.discriminatedUnion('type', [
        z.object({ type: z.literal('text'), text: z.string().max(200_000) }).strict(),
        z
          .object({
            type: z.literal('image_url'),
            image_url: z.object({ url: z.string().min(1).max(20_000_000) }).strict(),
          })
          .strict(),
      ]),
    )
    .min(1)
    .max(32),
]);

export const messageUsageSchema = z
  .object({ promptTokens: z.number().int().min(0), completionTokens: z.number().int().min(0) })
  .strict();

export const newMessageSchema = z
  .object({
    role: z.enum(MESSAGE_ROLES),
    content: messageContentSchema,
    /** The model that answered (assistant messages). */
    model: model.nullable().optional(),
    usage: messageUsageSchema.nullable().optional(),
    finishReason: z.enum(FINISH_REASONS).nullable().optional(),
    /** The tool calls and citations of an answer, shown again on a reload. */
    extras: messageExtrasSchema.nullable().optional(),
  })
  .strict()
  .meta({ id: 'NewConversationMessage' });

export const appendMessagesBody = z
  .object({ messages: z.array(newMessageSchema).min(1).max(100) })
  .strict()
  .meta({ id: 'AppendMessagesBody' });

export const messageSchema = z
  .object({
    id: z.number().int(),
    role: z.enum(MESSAGE_ROLES),
    content: messageContentSchema,
    model: z.string().nullable(),
    usage: messageUsageSchema.nullable(),
    finishReason: z.enum(FINISH_REASONS).nullable(),
    extras: messageExtrasSchema.nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'ConversationMessage' });

export const conversationSchema = z
  .object({
    id: z.uuid(),
    title: z.string(),
    model: z.string().nullable(),
    systemPrompt: z.string().nullable(),
    temperature: z.number().nullable(),
    tools: z.array(z.string()),
    collections: z.array(z.string()),
    messageCount: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Conversation' });

export const conversationWithMessagesSchema = conversationSchema
  .extend({ messages: z.array(messageSchema) })
  .meta({ id: 'ConversationWithMessages' });

export const conversationListSchema = z
  .object({ conversations: z.array(conversationSchema) })
  .meta({ id: 'ConversationList' });

export const createConversationBody = z
  .object({
    title: title.optional(),
    model: model.nullable().optional(),
    systemPrompt: systemPrompt.nullable().optional(),
    temperature: temperature.nullable().optional(),
    tools: tools.optional(),
    collections: collections.optional(),
  })
  .strict()
  .meta({ id: 'CreateConversationBody' });

export const updateConversationBody = createConversationBody
  .refine((b) => Object.keys(b).length > 0, { message: 'Name at least one field to change' })
  .meta({ id: 'UpdateConversationBody' });

export const appendedMessagesSchema = z
  .object({ conversation: conversationSchema, messages: z.array(messageSchema) })
  .meta({ id: 'AppendedMessages' });

export type NewMessage = z.infer<typeof newMessageSchema>;
export type ConversationMessage = z.infer<typeof messageSchema>;
export type Conversation = z.infer<typeof conversationSchema>;
export type ConversationWithMessages = z.infer<typeof conversationWithMessagesSchema>;
export type CreateConversation = z.infer<typeof createConversationBody>;
export type MessageContent = z.infer<typeof messageContentSchema>;
