/** Web sessions: who am I, log in (sets the httpOnly cookie), log out, change my password. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PUBLIC, SIGNED_IN } from '../../auth/authorize.js';
import type { Principal } from '../../auth/principal.js';
import { ROLE_SCOPES } from '../../auth/scopes.js';
import type { AppContext } from '../../context.js';
import { changePasswordBody, loginBody, sessionSchema } from '../../contract/auth-schemas.js';
import { errorSchema } from '../../contract/schemas.js';
import { ModelGardenError } from '../../errors/model-garden-error.js';
import { SESSION_COOKIE, settingFor } from '../auth-hook.js';
import { traits } from '../route-traits.js';

const tags = ['access'];

function describe(principal: Principal, anonymousReads: boolean, csrfToken?: string, expiresAt?: Date) {
  return {
    authenticated: principal.kind !== 'anonymous',
    user:
      principal.kind === 'user' ? { name: principal.name, role: principal.role, team: principal.team } : null,
    via: principal.kind === 'user' ? principal.via : principal.kind === 'bootstrap' ? 'admin-key' : null,
    scopes: principal.kind === 'anonymous' ? [] : principal.scopes,
    csrfToken: csrfToken ?? null,
    expiresAt: expiresAt?.toISOString() ?? null,
    anonymousReads,
  };
}

export function sessionRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/session',
      {
        config: traits(PUBLIC, 'access'),
        schema: {
          tags,
          summary: 'Who is calling (session, key or anonymous)',
          response: { 200: sessionSchema },
        },
      },
      async (req) => {
        const anonymousReads = settingFor(ctx, req).anonymousReads;
        const token = req.cookies[SESSION_COOKIE];
        // Signed in with the cookie: the session's own expiry, as the login answered it.
        if (req.principal.kind !== 'user' || req.principal.via !== 'session' || !token) {
          return describe(req.principal, anonymousReads, req.sessionCsrf);
        }
        const session = await ctx.auth.sessions.lookup(token);
        return describe(req.principal, anonymousReads, req.sessionCsrf, session?.expiresAt);
      },
    );

    app.post(
      '/api/session',
      {
        // Password guessing: far fewer logins than other requests per address (when limits are on).
        config: {
          ...traits(PUBLIC, 'access', { idempotency: 'body' }),
          rateLimit: { max: 10, timeWindow: 60_000 },
        },
        schema: {
          tags,
          summary: 'Log in: sets the httpOnly session cookie and returns the CSRF token',
          body: loginBody,
          response: { 200: sessionSchema, 400: errorSchema, 401: errorSchema },
        },
      },
      async (req, reply) => {
        const user = await ctx.auth.users.authenticate(req.body.name, req.body.password);
        const session = await ctx.auth.sessions.create(user.id);
        reply.setCookie(SESSION_COOKIE, session.token, {
          path: '/',
          httpOnly: true,
          sameSite: 'lax',
          secure: ctx.config.auth.secureCookies,
          expires: session.expiresAt,
        });
        const principal: Principal = {
          kind: 'user',
          userId: user.id,
          name: user.name,
          role: user.role,
          team: user.team,
          scopes: [...ROLE_SCOPES[user.role]],
          via: 'session',
        };
        req.principal = principal;
        return describe(principal, settingFor(ctx, req).anonymousReads, session.csrfToken, session.expiresAt);
      },
    );

    app.delete(
      '/api/session',
      {
        config: traits(PUBLIC, 'access', { idempotency: 'body' }),
        schema: {
          tags,
          summary: 'Log out (ends the session, clears the cookie)',
          response: { 204: z.null() },
        },
      },
      async (req, reply) => {
        const token = req.cookies[SESSION_COOKIE];
        if (token) await ctx.auth.sessions.destroy(token);
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/session/password',
      {
        config: traits(SIGNED_IN, 'access', { idempotency: 'body' }),
        schema: {
          tags,
          summary: 'Change your own password (ends your other sessions)',
          body: changePasswordBody,
          response: { 204: z.null(), 400: errorSchema, 401: errorSchema, 403: errorSchema },
        },
      },
      async (req, reply) => {
        const p = req.principal;
        if (p.kind !== 'user') throw new ModelGardenError('FORBIDDEN', 'Only users have passwords');
        await ctx.auth.users.authenticate(p.name, req.body.currentPassword);
        await ctx.auth.users.setPassword(p.name, req.body.newPassword);
        await ctx.auth.sessions.destroyForUser(p.userId);
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return reply.status(204).send(null);
      },
    );
  };
}
