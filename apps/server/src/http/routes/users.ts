/** User administration (admins): create, list, describe, update role/team/disabled, reset a password. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { write } from '../../auth/authorize.js';
import type { AppContext } from '../../context.js';
import {
  createUserBody,
  passwordBody,
  updateUserBody,
  userSchema,
  userWithPasswordSchema,
} from '../../contract/auth-schemas.js';
import { errorSchema } from '../../contract/schemas.js';
import { traits } from '../route-traits.js';

const tags = ['access'];
const params = z.object({ name: z.string().min(1).max(63) });

export function userRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/users',
      {
        config: traits(write('admin'), 'access'),
        schema: { tags, summary: 'List users', response: { 200: z.object({ users: z.array(userSchema) }) } },
      },
      async () => ({ users: await ctx.auth.users.list() }),
    );

    app.post(
      '/api/users',
      {
        config: traits(write('admin'), 'access', { idempotency: 'body' }),
        schema: {
          tags,
          summary: 'Create a user (a password is generated and returned once when none is given)',
          body: createUserBody,
          response: { 201: userWithPasswordSchema, 400: errorSchema, 409: errorSchema },
        },
      },
      async (req, reply) => reply.status(201).send(await ctx.auth.users.create(req.body)),
    );

    app.get(
      '/api/users/:name',
      {
        config: traits(write('admin'), 'access'),
        schema: { tags, summary: 'Describe a user', params, response: { 200: userSchema, 404: errorSchema } },
      },
      async (req) => ctx.auth.users.get(req.params.name),
    );

    app.patch(
      '/api/users/:name',
      {
        config: traits(write('admin'), 'access', { idempotency: 'body' }),
        schema: {
          tags,
          summary: "Change a user's role or team, or disable them (ends their sessions)",
          params,
          body: updateUserBody,
          response: { 200: userSchema, 400: errorSchema, 404: errorSchema, 409: errorSchema },
        },
      },
      async (req) => {
        const user = await ctx.auth.users.update(req.params.name, req.body);
        if (user.disabled) await ctx.auth.sessions.destroyForUser(user.id);
        ctx.auth.keys.forget();
        return user;
      },
    );

    app.post(
      '/api/users/:name/password',
      {
        config: traits(write('admin'), 'access', { idempotency: 'body' }),
        schema: {
          tags,
          summary: "Reset a user's password (generated and returned once when none is given)",
          params,
          body: passwordBody.optional(),
          response: { 200: userWithPasswordSchema, 400: errorSchema, 404: errorSchema },
        },
      },
      async (req) => {
        const result = await ctx.auth.users.setPassword(req.params.name, req.body?.password);
        await ctx.auth.sessions.destroyForUser(result.user.id);
        return result;
      },
    );
  };
}
