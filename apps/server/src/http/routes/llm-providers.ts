/**
 * The LLM providers and model aliases: everyone who may read models sees which providers there are
 * and whether they list (the chat page asks); admins see their settings (never a credential) and add,
 * change and delete the ones stored in the database (llm/managed-llm.ts). Env and LLM_CONFIG ones
 * are listed read-only.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { read, write } from '../../auth/authorize.js';
import { actorName, type Principal } from '../../auth/principal.js';
import { grants } from '../../auth/scopes.js';
import type { AppContext } from '../../context.js';
import {
  llmAliasListSchema,
  llmAliasPatchSchema,
  llmAliasSchema,
  llmProviderNameParams,
  llmProviderPatchSchema,
  llmProviderSchema,
  llmProvidersSchema,
  newLlmAliasSchema,
  newLlmProviderSchema,
} from '../../contract/llm-provider-schemas.js';
import { errorSchema } from '../../contract/schemas.js';
import { traits } from '../route-traits.js';

const tags = ['llm'];
const ADMIN = traits(write('admin'), 'access');
const errors = { 400: errorSchema, 404: errorSchema, 409: errorSchema };

const isAdmin = (p: Principal) => p.kind !== 'anonymous' && grants(p.scopes, 'admin');

export function llmProviderRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    const managed = ctx.llm.managed;

    app.get(
      '/api/llm/providers',
      {
        config: traits(read('models:read'), 'observability'),
        schema: {
          tags,
          summary:
            'The LLM providers (env, LLM_CONFIG and stored ones) and whether their model lists could be fetched; admins also get their settings',
          response: { 200: llmProvidersSchema },
        },
      },
      async (req) => {
        const admin = isAdmin(req.principal);
        return {
          configured: ctx.llm.configured,
          providers: managed.providers(admin),
          ...(admin ? { secretKey: managed.secretKey() } : {}),
        };
      },
    );

    app.get(
      '/api/llm/providers/:name',
      {
        config: ADMIN,
        schema: {
          tags,
          summary: 'One LLM provider with its settings (never its credential)',
          params: llmProviderNameParams,
          response: { 200: llmProviderSchema, 404: errorSchema },
        },
      },
      async (req) => managed.provider(req.params.name),
    );

    app.post(
      '/api/llm/providers',
      {
        config: ADMIN,
        schema: {
          tags,
          summary:
            'Add an LLM provider; its models are offered as <name>/<id> on every replica without a restart. apiKey is stored encrypted and never returned',
          body: newLlmProviderSchema,
          response: { 201: llmProviderSchema, ...errors },
        },
      },
      async (req, reply) => {
        const created = await managed.createProvider(req.body, actorName(req.principal));
        return reply.status(201).send(created);
      },
    );

    app.patch(
      '/api/llm/providers/:name',
      {
        config: ADMIN,
        schema: {
          tags,
          summary:
            'Change a stored LLM provider (apiKey: a new one, null to remove it, left out to keep it); send revision to refuse a lost update',
          params: llmProviderNameParams,
          body: llmProviderPatchSchema,
          response: { 200: llmProviderSchema, ...errors },
        },
      },
      async (req) => managed.updateProvider(req.params.name, req.body, actorName(req.principal)),
    );

    app.delete(
      '/api/llm/providers/:name',
      {
        config: ADMIN,
        schema: {
          tags,
          summary: 'Delete a stored LLM provider (refused while a model alias sends traffic to it)',
          params: llmProviderNameParams,
          response: { 204: z.null(), ...errors },
        },
      },
      async (req, reply) => {
        await managed.deleteProvider(req.params.name);
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/api/llm/aliases',
      {
        config: ADMIN,
        schema: {
          tags,
          summary: 'The LLM model aliases (LLM_CONFIG and stored ones) with their deployments and fallbacks',
          response: { 200: llmAliasListSchema },
        },
      },
      async () => ({ aliases: managed.aliases() }),
    );

    app.get(
      '/api/llm/aliases/:name',
      {
        config: ADMIN,
        schema: {
          tags,
          summary: 'One LLM model alias',
          params: llmProviderNameParams,
          response: { 200: llmAliasSchema, 404: errorSchema },
        },
      },
      async (req) => managed.alias(req.params.name),
    );

    app.post(
      '/api/llm/aliases',
      {
        config: ADMIN,
        schema: {
          tags,
          summary:
            'Add an LLM model alias: weighted deployments and ordered fallbacks, each <provider>/<model id> of a known provider',
          body: newLlmAliasSchema,
          response: { 201: llmAliasSchema, ...errors },
        },
      },
      async (req, reply) => {
        const created = await managed.createAlias(req.body, actorName(req.principal));
        return reply.status(201).send(created);
      },
    );

    app.patch(
      '/api/llm/aliases/:name',
      {
        config: ADMIN,
        schema: {
          tags,
          summary: "Change a stored LLM model alias's deployments or fallbacks",
          params: llmProviderNameParams,
          body: llmAliasPatchSchema,
          response: { 200: llmAliasSchema, ...errors },
        },
      },
      async (req) => managed.updateAlias(req.params.name, req.body, actorName(req.principal)),
    );

    app.delete(
      '/api/llm/aliases/:name',
      {
        config: ADMIN,
        schema: {
          tags,
          summary: 'Delete a stored LLM model alias',
          params: llmProviderNameParams,
          response: { 204: z.null(), ...errors },
        },
      },
      async (req, reply) => {
        await managed.deleteAlias(req.params.name);
        return reply.status(204).send(null);
      },
    );
  };
}
