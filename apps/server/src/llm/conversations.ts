/**
 * Stored chat conversations, each owned by one user: list, create, read with messages, change
 * (title, model, system prompt, temperature, tools, collections), delete, append messages (with
 * their tool calls and citations). Every call names the owner,
 * and another user's conversation answers exactly as a missing one (CONVERSATION_NOT_FOUND), so
 * ids cannot be probed. Used by the REST routes and by anything else that keeps a chat (tools, MCP).
 */
import { and, asc, count, desc, eq, sql } from 'drizzle-orm';
import type {
  Conversation,
  ConversationMessage,
  ConversationWithMessages,
  CreateConversation,
  MessageContent,
  NewMessage,
} from '../contract/conversation-schemas.js';
import { conversationMessages, conversations } from '../db/conversation-schema.js';
import type { Db } from '../db/database.js';
import { ModelGardenError } from '../errors/model-garden-error.js';

export const DEFAULT_TITLE = 'New chat';
const TITLE_FROM_MESSAGE_CHARS = 60;

type ConversationRow = typeof conversations.$inferSelect;
type MessageRow = typeof conversationMessages.$inferSelect;

function toConversation(row: ConversationRow, messageCount: number): Conversation {
  return {
    id: row.id,
    title: row.title,
    model: row.model,
    systemPrompt: row.systemPrompt,
    temperature: row.temperature,
    tools: row.tools,
    collections: row.collections,
    messageCount,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function toMessage(row: MessageRow): ConversationMessage {
  return {
    id: row.id,
    role: row.role as ConversationMessage['role'],
    content: row.content,
    model: row.model,
    usage:
      row.promptTokens === null || row.completionTokens === null
        ? null
        : { promptTokens: row.promptTokens, completionTokens: row.completionTokens },
    finishReason: row.finishReason as ConversationMessage['finishReason'],
    extras: row.extras ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

/** The first line of a message's text, cut to a title's length; null when it holds no text. */
export function titleFrom(content: MessageContent): string | null {
  const text =
    typeof content === 'string' ? content : content.map((p) => (p.type === 'text' ? p.text : '')).join(' ');
  const line = text.trim().split('\n')[0]?.trim() ?? '';
  if (line === '') return null;
  return line.length > TITLE_FROM_MESSAGE_CHARS ? `${line.slice(0, TITLE_FROM_MESSAGE_CHARS - 1)}…` : line;
}

function notFound(id: string): ModelGardenError {
  return new ModelGardenError('CONVERSATION_NOT_FOUND', `No conversation ${id}`, { details: { id } });
}

export class ConversationStore {
  constructor(private readonly db: Db) {}

  /** The owner's conversations, most recently changed first. */
  async list(userId: number, limit = 200): Promise<Conversation[]> {
    const rows = await this.db
      .select({ row: conversations, messages: count(conversationMessages.id) })
      .from(conversations)
      .leftJoin(conversationMessages, eq(conversationMessages.conversationId, conversations.id))
      .where(eq(conversations.userId, userId))
      .groupBy(conversations.id)
      .orderBy(desc(conversations.updatedAt), desc(conversations.id))
      .limit(limit);
    return rows.map((r) => toConversation(r.row, Number(r.messages)));
  }

  async create(userId: number, input: CreateConversation = {}): Promise<Conversation> {
    const [row] = await this.db
      .insert(conversations)
      .values({
        userId,
        title: input.title ?? DEFAULT_TITLE,
        model: input.model ?? null,
        systemPrompt: input.systemPrompt ?? null,
        temperature: input.temperature ?? null,
        tools: input.tools ?? [],
        collections: input.collections ?? [],
      })
      .returning();
    return toConversation(row!, 0);
  }

  /** One conversation with its messages in order. */
  async get(userId: number, id: string): Promise<ConversationWithMessages> {
    const row = await this.owned(userId, id);
    const messages = await this.db
      .select()
      .from(conversationMessages)
      .where(eq(conversationMessages.conversationId, id))
      .orderBy(asc(conversationMessages.id));
    return { ...toConversation(row, messages.length), messages: messages.map(toMessage) };
  }

  /** Renames it or changes its settings; fields left out stay, null clears one. */
  async update(userId: number, id: string, patch: CreateConversation): Promise<Conversation> {
    const set: Partial<typeof conversations.$inferInsert> = { updatedAt: new Date() };
    if (patch.title !== undefined) set.title = patch.title;
    if (patch.model !== undefined) set.model = patch.model;
    if (patch.systemPrompt !== undefined) set.systemPrompt = patch.systemPrompt;
    if (patch.temperature !== undefined) set.temperature = patch.temperature;
    if (patch.tools !== undefined) set.tools = patch.tools;
    if (patch.collections !== undefined) set.collections = patch.collections;
    const [row] = await this.db
      .update(conversations)
      .set(set)
      .where(and(eq(conversations.id, id), eq(conversations.userId, userId)))
      .returning();
    if (!row) throw notFound(id);
    return toConversation(row, await this.countMessages(id));
  }

  async remove(userId: number, id: string): Promise<void> {
    const deleted = await this.db
      .delete(conversations)
      .where(and(eq(conversations.id, id), eq(conversations.userId, userId)))
      .returning({ id: conversations.id });
    if (deleted.length === 0) throw notFound(id);
  }

  /**
   * Appends messages in the order given. A conversation still named "New chat" takes its title from
   * its first user message; an assistant message's model becomes the conversation's model.
   */
  async append(
    userId: number,
    id: string,
    messages: NewMessage[],
  ): Promise<{ conversation: Conversation; messages: ConversationMessage[] }> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .select()
        .from(conversations)
        .where(and(eq(conversations.id, id), eq(conversations.userId, userId)))
        .for('update');
      if (!row) throw notFound(id);
      const inserted = await tx
        .insert(conversationMessages)
        .values(
          messages.map((m) => ({
            conversationId: id,
            role: m.role,
            content: m.content,
            model: m.model ?? null,
            promptTokens: m.usage?.promptTokens ?? null,
            completionTokens: m.usage?.completionTokens ?? null,
            finishReason: m.finishReason ?? null,
            extras: m.extras ?? null,
          })),
        )
        .returning();
      const set: Partial<typeof conversations.$inferInsert> = { updatedAt: new Date() };
      const firstUser = messages.find((m) => m.role === 'user');
      const title = row.title === DEFAULT_TITLE && firstUser ? titleFrom(firstUser.content) : null;
      if (title) set.title = title;
      const answeredBy = messages.findLast((m) => m.role === 'assistant' && m.model)?.model;
      if (answeredBy) set.model = answeredBy;
      const [updated] = await tx.update(conversations).set(set).where(eq(conversations.id, id)).returning();
      const [total] = await tx
        .select({ n: sql<number>`count(*)::int` })
        .from(conversationMessages)
        .where(eq(conversationMessages.conversationId, id));
      inserted.sort((a, b) => a.id - b.id);
      return {
        conversation: toConversation(updated!, Number(total?.n ?? 0)),
        messages: inserted.map(toMessage),
      };
    });
  }

  private async owned(userId: number, id: string): Promise<ConversationRow> {
    const [row] = await this.db
      .select()
      .from(conversations)
      .where(and(eq(conversations.id, id), eq(conversations.userId, userId)));
    if (!row) throw notFound(id);
    return row;
  }

  private async countMessages(id: string): Promise<number> {
    const [total] = await this.db
      .select({ n: count() })
      .from(conversationMessages)
      .where(eq(conversationMessages.conversationId, id));
    return Number(total?.n ?? 0);
  }
}
