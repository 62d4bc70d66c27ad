/**
 * Registry routes for aliases: promote (point at a version), traffic splits and shadows, rollback,
 * removal and history. The registry prepares (loads, warms) new targets before an alias moves.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { read, write } from '../../auth/authorize.js';
import { actorName } from '../../auth/principal.js';
import type { AppContext } from '../../context.js';
import {
  aliasHistoryQuery,
  aliasHistorySchema,
  aliasInfoSchema,
  aliasListSchema,
  aliasParams,
  setAliasBodySchema,
} from '../../contract/registry-schemas.js';
import { errorSchema, modelNameParam } from '../../contract/schemas.js';
import { registryChange, traits } from '../route-traits.js';

const errors = { 400: errorSchema, 404: errorSchema, 409: errorSchema, 503: errorSchema };

export function aliasRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/models/:name/aliases',
      {
        config: traits(read('models:read'), 'registry', { model: 'existing' }),
        schema: {
          tags: ['registry'],
          summary: "List a model's aliases with their targets, weights and shadow",
          params: z.object({ name: modelNameParam }),
          response: { 200: aliasListSchema, 400: errorSchema, 404: errorSchema },
        },
      },
      async (req) => ({ aliases: await ctx.registry.listAliases(req.params.name) }),
    );

    app.put(
      '/api/models/:name/aliases/:alias',
      {
        config: registryChange(write('models:write'), { model: 'existing' }),
        schema: {
          tags: ['registry'],
          summary: 'Point an alias (e.g. production) at a version, or split its traffic',
          description:
            '`{"version": 2}` promotes; `{"targets": [{"version": 1, "weight": 90}, {"version": 2, "weight": 10}]}` ' +
            'splits traffic; `shadow: {"version": 3, "percent": 100}` copies requests to a version whose answers ' +
            'are only logged. A target whose inputs differ from the current one needs `"force": true` (409 ' +
            '`SCHEMA_CHANGE_NEEDS_FORCE` otherwise). Targets are loaded before the alias moves.',
          params: aliasParams,
          body: setAliasBodySchema,
          response: { 200: aliasInfoSchema, ...errors },
        },
      },
      async (req) => {
        const { force, ...route } = req.body;
        return ctx.registry.setAlias(req.params.name, req.params.alias, route, {
          force,
          actor: actorName(req.principal),
        });
      },
    );

    app.post(
      '/api/models/:name/aliases/:alias/rollback',
      {
        config: registryChange(write('models:write'), { model: 'existing' }),
        schema: {
          tags: ['registry'],
          summary: 'Move an alias back to where it pointed before its latest move',
          params: aliasParams,
          response: { 200: aliasInfoSchema, ...errors },
        },
      },
      async (req) =>
        ctx.registry.rollbackAlias(req.params.name, req.params.alias, { actor: actorName(req.principal) }),
    );

    app.delete(
      '/api/models/:name/aliases/:alias',
      {
        config: registryChange(write('models:write'), { model: 'existing' }),
        schema: {
          tags: ['registry'],
          summary: 'Remove an alias (recorded in its history; rollback restores it)',
          params: aliasParams,
          response: { 204: z.null(), ...errors },
        },
      },
      async (req, reply) => {
        await ctx.registry.deleteAlias(req.params.name, req.params.alias, {
          actor: actorName(req.principal),
        });
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/api/models/:name/aliases/:alias/history',
      {
        config: traits(read('models:read'), 'registry', { model: 'existing' }),
        schema: {
          tags: ['registry'],
          summary: "An alias's moves, newest first: when, from, to, by whom",
          params: aliasParams,
          querystring: aliasHistoryQuery,
          response: { 200: aliasHistorySchema, 400: errorSchema, 404: errorSchema },
        },
      },
      async (req) => ({
        history: await ctx.registry.aliasHistory(req.params.name, req.params.alias, req.query.limit ?? 100),
      }),
    );
  };
}
