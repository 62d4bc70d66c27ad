/**
 * The chat page's conversations (`/api/conversations`): the signed-in user's own, nobody else's.
 * List, create, read with messages, rename or change settings, delete, append messages. Thin: one
 * ConversationStore call each (llm/conversations.ts).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { write } from '../../auth/authorize.js';
import type { Principal } from '../../auth/principal.js';
import type { AppContext } from '../../context.js';
import {
  appendedMessagesSchema,
  appendMessagesBody,
  conversationIdParams,
  conversationListSchema,
  conversationSchema,
  conversationWithMessagesSchema,
  createConversationBody,
  updateConversationBody,
} from '../../contract/conversation-schemas.js';
import { errorSchema } from '../../contract/schemas.js';
import { ModelGardenError } from '../../errors/model-garden-error.js';
import { traits } from '../route-traits.js';

const tags = ['chat'];
/** Conversations are chat history: callers that may chat, always with credentials. */
const CHAT = write('chat');

/** The user whose conversations these are; the bootstrap key and anonymous callers have none. */
function ownerOf(principal: Principal): number {
  if (principal.kind === 'user') return principal.userId;
  if (principal.kind === 'bootstrap')
    throw new ModelGardenError(
      'BAD_REQUEST',
      "The bootstrap admin key has no conversations of its own; sign in or use a user's API key",
    );
  throw new ModelGardenError('UNAUTHENTICATED', 'Sign in (or send an API key) to keep conversations');
}

export function conversationRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    const store = ctx.conversations;
    const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema };

    app.get(
      '/api/conversations',
      {
        config: traits(CHAT, 'llm'),
        schema: {
          tags,
          summary: 'Your chat conversations, most recently changed first',
          response: { 200: conversationListSchema, ...errors },
        },
      },
      async (req) => ({ conversations: await store.list(ownerOf(req.principal)) }),
    );

    app.post(
      '/api/conversations',
      {
        config: traits(CHAT, 'llm', { idempotency: 'body' }),
        schema: {
          tags,
          summary: 'Start a conversation (title, model, system prompt, temperature, tools, collections)',
          body: createConversationBody,
          response: { 201: conversationSchema, ...errors },
        },
      },
      async (req, reply) => reply.status(201).send(await store.create(ownerOf(req.principal), req.body)),
    );

    app.get(
      '/api/conversations/:id',
      {
        config: traits(CHAT, 'llm'),
        schema: {
          tags,
          summary: 'One of your conversations with its messages in order',
          params: conversationIdParams,
          response: { 200: conversationWithMessagesSchema, ...errors, 404: errorSchema },
        },
      },
      async (req) => store.get(ownerOf(req.principal), req.params.id),
    );

    app.patch(
      '/api/conversations/:id',
      {
        config: traits(CHAT, 'llm', { idempotency: 'body' }),
        schema: {
          tags,
          summary:
            'Rename a conversation or change its model, system prompt, temperature, tools or collections (null clears)',
          params: conversationIdParams,
          body: updateConversationBody,
          response: { 200: conversationSchema, ...errors, 404: errorSchema },
        },
      },
      async (req) => store.update(ownerOf(req.principal), req.params.id, req.body),
    );

    app.delete(
      '/api/conversations/:id',
      {
        config: traits(CHAT, 'llm'),
        schema: {
          tags,
          summary: 'Delete a conversation and its messages',
          params: conversationIdParams,
          response: { 204: z.null(), ...errors, 404: errorSchema },
        },
      },
      async (req, reply) => {
        await store.remove(ownerOf(req.principal), req.params.id);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/conversations/:id/messages',
      {
        config: traits(CHAT, 'llm', { idempotency: 'body' }),
        schema: {
          tags,
          summary: 'Append messages (a question, an answer with its usage, a stopped answer) in order',
          params: conversationIdParams,
          body: appendMessagesBody,
          response: { 201: appendedMessagesSchema, ...errors, 404: errorSchema },
        },
      },
      async (req, reply) =>
        reply.status(201).send(await store.append(ownerOf(req.principal), req.params.id, req.body.messages)),
    );
  };
}
