/**
 * Authentication and authorisation for every request, from the one table in policy.ts: reads a
 * Bearer key (or MODELGARDEN_ADMIN_KEY) or the session cookie, decides, checks the CSRF header of
 * cookie-authenticated changes, and hides team-private models. A route without a policy entry stops
 * the start (and is refused at request time should one slip through).
 */
import type {} from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ANONYMOUS, type Principal } from '../auth/principal.js';
import { grants } from '../auth/scopes.js';
import { safeEqual } from '../auth/secrets.js';
import { isLoopbackHost } from '../config/config.js';
import type { AppContext } from '../context.js';
import { ModelGardenError } from '../errors/model-garden-error.js';
import { assertModelVisible } from './model-visibility.js';
import { type Caller, decide, type Rule, ruleFor, type Setting } from './policy.js';
import { routeOf } from './route-hooks.js';

export const SESSION_COOKIE = 'mg_session';
export const CSRF_HEADER = 'x-csrf-token';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const PUBLIC: Rule = { access: 'public' };

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling; set by the auth hook before any handler runs. */
    principal: Principal;
    /** The session's CSRF token when the request came with a valid session cookie. */
    sessionCsrf: string | undefined;
  }
  interface FastifyContextConfig {
    /** Set by @fastify/static on the web app's files. */
    file?: string;
  }
}

/** A route's rule: the table's entry, or `public` for the web app's static files. */
export function routeRule(
  method: string,
  url: string,
  config: { file?: string } | undefined,
): Rule | undefined {
  if (config?.file !== undefined) return PUBLIC;
  return ruleFor(method, url);
}

export function isLoopbackAddress(ip: string | undefined): boolean {
  return ip !== undefined && (isLoopbackHost(ip) || ip === '::ffff:127.0.0.1');
}

/** Whether this request may read anonymously (loopback bind, loopback client, not switched off). */
export function settingFor(ctx: AppContext, req: FastifyRequest): Setting {
  const { auth, host } = ctx.config;
  const local = isLoopbackHost(host) && isLoopbackAddress(req.socket.remoteAddress ?? req.ip);
  return {
    anonymousReads: local && auth.anonymousLoopback,
    anonymousWrites: local && auth.anonymousLoopback && auth.anonymousLoopbackWrites,
    metricsPublic: auth.metricsPublic,
  };
}

function unauthenticated(message: string): ModelGardenError {
  return new ModelGardenError('UNAUTHENTICATED', message);
}

/** Who the credentials on the request belong to; a bad key is a 401, a stale cookie is anonymous. */
async function authenticate(ctx: AppContext, req: FastifyRequest, reply: FastifyReply): Promise<Principal> {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw unauthenticated('The Authorization header must be "Bearer <key>"');
    const key = match[1]!;
    const bootstrap = ctx.auth.bootstrap(key);
    if (bootstrap) return bootstrap;
    const found = await ctx.auth.keys.authenticate(key);
    if (found.ok) return found.principal;
    throw unauthenticated(
      found.reason === 'unknown'
        ? 'Unknown API key'
        : found.reason === 'disabled'
          ? "The API key's owner is disabled"
          : `The API key is ${found.reason}`,
    );
  }
  const token = req.cookies[SESSION_COOKIE];
  if (token) {
    const session = await ctx.auth.sessions.lookup(token);
    if (session) {
      req.sessionCsrf = session.csrfToken;
      return session.principal;
    }
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
  }
  return ANONYMOUS;
}

/** Fails the start for a route without a policy entry; call before any route is registered. */
export function registerPolicyCheck(app: FastifyInstance): void {
  app.decorateRequest('principal', null as never);
  app.decorateRequest('sessionCsrf', undefined);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'OPTIONS' && route.url === '*') continue;
      if (!routeRule(method, route.url, route.config as { file?: string }))
        throw new Error(
          `No access policy for ${method} ${route.url}: add it to apps/server/src/http/policy.ts`,
        );
    }
  });
}

/**
 * The per-request check: who is calling, and may they call this route. Callback style with a
 * synchronous path: an anonymous or admin-key caller of a model whose access is cached is decided
 * without a promise (every prediction pays this hook; docs/performance.md).
 */
export function registerAuth(app: FastifyInstance, ctx: AppContext): void {
  app.addHook('onRequest', (req, reply, done) => {
    let pending: void | Promise<void>;
    try {
      pending = authorize(ctx, req, reply);
    } catch (err) {
      done(err as Error);
      return;
    }
    if (pending) pending.then(() => done(), done);
    else done();
  });
}

function authorize(ctx: AppContext, req: FastifyRequest, reply: FastifyReply): void | Promise<void> {
  req.principal = ANONYMOUS;
  const route = routeOf(req);
  const template = route.url;
  // No route matched: the not-found handler answers (404 or the web app's index.html).
  if (template === undefined) return;
  if (req.method === 'OPTIONS' && template === '*') return;
  const rule = routeRule(req.method, template, route.config as { file?: string });
  if (!rule) throw new ModelGardenError('FORBIDDEN', `No access policy for ${req.method} ${template}`);
  if (rule.access === 'public' && !template.startsWith('/api/session')) return;
  const known = knownPrincipal(ctx, req);
  if (known) return admit(ctx, req, reply, template, rule, known);
  return authenticate(ctx, req, reply).then((principal) => admit(ctx, req, reply, template, rule, principal));
}

/** The caller when no lookup is needed: no credentials at all, or the bootstrap admin key. */
function knownPrincipal(ctx: AppContext, req: FastifyRequest): Principal | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return req.cookies[SESSION_COOKIE] ? undefined : ANONYMOUS;
  const key = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
  return key === undefined ? undefined : (ctx.auth.bootstrap(key) ?? undefined);
}

function admit(
  ctx: AppContext,
  req: FastifyRequest,
  reply: FastifyReply,
  template: string,
  rule: Rule,
  principal: Principal,
): void | Promise<void> {
  req.principal = principal;
  const caller: Caller = {
    anonymous: principal.kind === 'anonymous',
    scopes: principal.kind === 'anonymous' ? [] : principal.scopes,
  };
  const decision = decide(rule, caller, settingFor(ctx, req), (s) => grants(caller.scopes, s));
  if (decision === 'unauthenticated') {
    reply.header('www-authenticate', 'Bearer');
    throw unauthenticated(`${req.method} ${template} needs credentials: an API key or a signed-in session`);
  }
  if (decision === 'forbidden')
    throw new ModelGardenError(
      'FORBIDDEN',
      `Your role or key scopes do not allow ${req.method} ${template}`,
      {
        details: { required: 'scope' in rule ? rule.scope : 'signed-in' },
      },
    );
  if (
    UNSAFE.has(req.method) &&
    req.sessionCsrf !== undefined &&
    req.headers.authorization === undefined &&
    !(req.method === 'POST' && template === '/api/session')
  ) {
    const sent = req.headers[CSRF_HEADER];
    if (typeof sent !== 'string' || !safeEqual(sent, req.sessionCsrf))
      throw new ModelGardenError(
        'CSRF_TOKEN_INVALID',
        `Send the session's CSRF token in the ${CSRF_HEADER} header`,
      );
  }
  const name = (req.params as { name?: unknown } | undefined)?.name;
  if (
    typeof name === 'string' &&
    (template.startsWith('/api/models/:name') || template.startsWith('/v2/models/:name'))
  )
    return assertModelVisible(ctx, principal, name);
}
