/**
 * Drizzle schema: the chat page's conversations, one owner each (a user), and their messages in
 * order. Deleting a user or a conversation deletes what hangs from it.
 */
import { bigserial, index, integer, jsonb, pgTable, real, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { MessageExtras } from '../contract/chat-extension-schemas.js';
import type { MessageContent } from '../contract/conversation-schemas.js';
import { users } from './auth-schema.js';

export const conversations = pgTable(
  'conversations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    /** The model the conversation last used (alias or `<provider>/<id>`). */
    model: text('model'),
    systemPrompt: text('system_prompt'),
    temperature: real('temperature'),
    /** Registered models offered to the LLM as tools. */
    tools: jsonb('tools').$type<string[]>().notNull().default([]),
    /** Knowledge bases each turn retrieves from. */
    collections: jsonb('collections').$type<string[]>().notNull().default([]),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('conversations_user_idx').on(t.userId, t.updatedAt)],
);

export const conversationMessages = pgTable(
  'conversation_messages',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    /** `user` or `assistant` (the system prompt is the conversation's). */
    role: text('role').notNull(),
    /** A string, or OpenAI's content parts (text and image_url). */
    content: jsonb('content').$type<MessageContent>().notNull(),
    model: text('model'),
    promptTokens: integer('prompt_tokens'),
    completionTokens: integer('completion_tokens'),
    finishReason: text('finish_reason'),
    /** The answer's tool calls and citations (contract/chat-extension-schemas.ts). */
    extras: jsonb('extras').$type<MessageExtras>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('conversation_messages_conversation_idx').on(t.conversationId, t.id)],
);

export const conversationSchema = { conversations, conversationMessages };
