/**
 * Authentication and authorisation for every request, from the rule each route declares in its
 * traits (route-traits.ts): reads a Bearer key (or MODELGARDEN_ADMIN_KEY) or the session cookie,
 * decides (auth/authorize.ts), checks the CSRF header of cookie-authenticated changes, and answers
 * MODEL_NOT_FOUND for a missing or hidden model on routes whose `:name` names one. A route without
 * traits stops the start (and is refused at request time should one slip through).
 */
import type {} from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { decideFor, type Rule, type Setting } from '../auth/authorize.js';
import { ANONYMOUS, type Principal } from '../auth/principal.js';
import { safeEqual } from '../auth/secrets.js';
import { isLoopbackHost } from '../config/config.js';
import type { AppContext } from '../context.js';
import { ModelGardenError } from '../errors/model-garden-error.js';
import { routeOf } from './route-hooks.js';
import { pluginRouteTraits, type RouteTraits, traitsOfRoute } from './route-traits.js';

export const SESSION_COOKIE = 'mg_session';
export const CSRF_HEADER = 'x-csrf-token';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** One registered route and what it declared (the table the traits snapshot test prints). */
export interface RouteEntry {
  method: string;
  url: string;
  traits: RouteTraits;
}

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
  interface FastifyInstance {
    /** Every route registered so far, with its traits, in registration order. */
    routeTable: readonly RouteEntry[];
  }
}

export function isLoopbackAddress(ip: string | undefined): boolean {
  return ip !== undefined && (isLoopbackHost(ip) || ip === '::ffff:127.0.0.1');
}

/** Whether this request may read anonymously (loopback bind, loopback client, not switched off). */
export function settingFor(ctx: AppContext, req: FastifyRequest): Setting {
  const { auth, host } = ctx.config;
  const local = isLoopbackHost(host) && isLoopbackAddress(req.socket.remoteAddress ?? req.ip);
  const reads = local && auth.anonymousLoopback;
  const writes = reads && auth.anonymousLoopbackWrites;
  // One of eight shared objects: nothing is built per request.
  return SETTINGS[(reads ? 4 : 0) + (writes ? 2 : 0) + (auth.metricsPublic ? 1 : 0)]!;
}

const SETTINGS: readonly Setting[] = Array.from({ length: 8 }, (_, i) =>
  Object.freeze({
    anonymousReads: (i & 4) !== 0,
    anonymousWrites: (i & 2) !== 0,
    metricsPublic: (i & 1) !== 0,
  }),
);

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

/**
 * Fails the start for a route that declares no traits (so no policy), gives plugin-registered routes
 * theirs, and records every route in `app.routeTable`. Call before any route is registered: the
 * other route hooks read the traits this one settles.
 */
export function registerPolicyCheck(app: FastifyInstance): void {
  app.decorateRequest('principal', null as never);
  app.decorateRequest('sessionCsrf', undefined);
  const table: RouteEntry[] = [];
  app.decorate('routeTable', table);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (route.url === '*' && methods.every((m) => m === 'OPTIONS')) return;
    const traits = traitsOfRoute(route) ?? pluginRouteTraits(route);
    if (!traits)
      throw new Error(
        `No access policy for ${methods.join(',')} ${route.url}: declare config: traits(rule, kind) in its options (http/route-traits.ts)`,
      );
    route.config = { ...route.config, traits };
    for (const method of methods) table.push({ method, url: route.url, traits });
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
  const traits = route.config?.traits;
  if (!traits) throw new ModelGardenError('FORBIDDEN', `No access policy for ${req.method} ${template}`);
  // Public routes need no caller, except the session's own (it reports and ends the session).
  if (traits.policy.access === 'public' && traits.kind !== 'access') return;
  const known = knownPrincipal(ctx, req);
  if (known) return admit(ctx, req, reply, template, traits, known);
  return authenticate(ctx, req, reply).then((principal) =>
    admit(ctx, req, reply, template, traits, principal),
  );
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
  traits: RouteTraits,
  principal: Principal,
): void | Promise<void> {
  req.principal = principal;
  const rule: Rule = traits.policy;
  const decision = decideFor(rule, principal, settingFor(ctx, req));
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
  // A missing model and a hidden one answer alike, before the route reads any of its input.
  if (traits.model !== 'existing') return;
  const name = (req.params as { name?: unknown } | undefined)?.name;
  // An api replica forwards a model it does not know: the inference replica answers it, alike.
  if (typeof name === 'string')
    return ctx.auth.models.check(principal, 'see', name, traits.forward && ctx.config.role === 'api');
}
