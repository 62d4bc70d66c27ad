/**
 * API keys: your own (any signed-in caller), anyone's for admins. The key is in the creation answer
 * only; a key never grants more than the caller that made it.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { SIGNED_IN } from '../../auth/authorize.js';
import type { Principal } from '../../auth/principal.js';
import { grants } from '../../auth/scopes.js';
import type { AppContext } from '../../context.js';
import {
  apiKeyListSchema,
  apiKeySchema,
  createdKeySchema,
  createKeyBody,
  keyIdParams,
  keysQuery,
} from '../../contract/auth-schemas.js';
import { errorSchema } from '../../contract/schemas.js';
import { ModelGardenError } from '../../errors/model-garden-error.js';
import { traits } from '../route-traits.js';

const tags = ['access'];

function isAdmin(p: Principal): boolean {
  return p.kind !== 'anonymous' && p.scopes.includes('admin');
}

function ownName(p: Principal): string {
  if (p.kind !== 'user')
    throw new ModelGardenError(
      'BAD_REQUEST',
      'The bootstrap admin key has no keys of its own; name a "user"',
    );
  return p.name;
}

export function keyRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/keys',
      {
        config: traits(SIGNED_IN, 'access'),
        schema: {
          tags,
          summary: "List your API keys by prefix (admins: ?user= or ?all=true for everyone's)",
          querystring: keysQuery,
          response: { 200: apiKeyListSchema, 400: errorSchema, 403: errorSchema },
        },
      },
      async (req) => {
        const p = req.principal;
        const wantsOthers =
          req.query.all === 'true' ||
          (req.query.user !== undefined && req.query.user !== (p.kind === 'user' ? p.name : undefined));
        if (wantsOthers && !isAdmin(p))
          throw new ModelGardenError('FORBIDDEN', "Only admins list other users' keys");
        if (req.query.all === 'true') return { keys: await ctx.auth.keys.list() };
        return { keys: await ctx.auth.keys.list(req.query.user ?? ownName(p)) };
      },
    );

    app.post(
      '/api/keys',
      {
        config: traits(SIGNED_IN, 'access', { idempotency: 'body' }),
        schema: {
          tags,
          summary: 'Create an API key; the answer holds the key, shown this once',
          body: createKeyBody,
          response: { 201: createdKeySchema, 400: errorSchema, 403: errorSchema, 404: errorSchema },
        },
      },
      async (req, reply) => {
        const p = req.principal;
        if (p.kind === 'anonymous') throw new ModelGardenError('UNAUTHENTICATED', 'Sign in first');
        const owner = req.body.user ?? ownName(p);
        if (owner !== (p.kind === 'user' ? p.name : undefined) && !isAdmin(p))
          throw new ModelGardenError('FORBIDDEN', 'Only admins create keys for other users');
        const beyond = req.body.scopes.filter((s) => !grants(p.scopes, s));
        if (beyond.length > 0)
          throw new ModelGardenError(
            'INVALID_SCOPE',
            `You cannot grant scopes you do not hold: ${beyond.join(', ')}`,
            {
              details: { refused: beyond },
            },
          );
        const { key, info } = await ctx.auth.keys.create(owner, {
          name: req.body.name,
          scopes: req.body.scopes,
          expiresAt: req.body.expiresAt ? new Date(req.body.expiresAt) : null,
        });
        return reply.status(201).send({ ...info, key });
      },
    );

    app.delete(
      '/api/keys/:id',
      {
        config: traits(SIGNED_IN, 'access', { idempotency: 'body' }),
        schema: {
          tags,
          summary: 'Revoke an API key (yours; admins: any)',
          params: keyIdParams,
          response: { 200: apiKeySchema, 400: errorSchema, 404: errorSchema },
        },
      },
      async (req) => {
        const p = req.principal;
        return ctx.auth.keys.revoke(req.params.id, isAdmin(p) ? undefined : ownName(p));
      },
    );
  };
}
