/**
 * Security headers (helmet, with a CSP the built web app and the /docs UI work under, on pages; a
 * fixed, stricter set on JSON API answers), CORS (no
 * origins unless CORS_ORIGINS says) and rate limits per API key, user or IP (429 RATE_LIMITED with
 * Retry-After). Registered before the routes so every route gets them.
 */
import fastifyCors from '@fastify/cors';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';
import helmet from 'helmet';
import { isLoopbackHost } from '../config/config.js';
import type { AppContext } from '../context.js';
import { ModelGardenError } from '../errors/model-garden-error.js';
import { isLoopbackAddress } from './auth-hook.js';
import { routeOf } from './route-hooks.js';
import { traitsOf } from './route-traits.js';

/** The bucket a request counts against: its key, its user, or its address. */
export function rateLimitKey(req: FastifyRequest): string {
  const p = req.principal;
  if (p?.kind === 'user') return p.keyId !== undefined ? `key:${p.keyId}` : `user:${p.userId}`;
  if (p?.kind === 'bootstrap') return 'admin-key';
  return `ip:${req.ip}`;
}

/** Routes that answer JSON or text, never a page a browser renders. */
const API_PREFIXES = ['/api/', '/v2', '/health/', '/metrics'];
const isApiRoute = (url: string | undefined) =>
  url !== undefined && API_PREFIXES.some((p) => url.startsWith(p));

/**
 * The headers an API answer needs (OWASP REST Security cheat sheet): nothing may be loaded or
 * framed from it, no MIME sniffing, no referrer, same-origin resource loads. Set in one call: the
 * full helmet set (11 headers, each validated by Node on every response) was a measurable share of
 * a small prediction (docs/performance.md).
 */
export function apiSecurityHeaders(hsts: boolean): Record<string, string> {
  return {
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-resource-policy': 'same-origin',
    ...(hsts ? { 'strict-transport-security': 'max-age=31536000; includeSubDomains' } : {}),
  };
}

/**
 * The onRequest hook that sets the security headers (the app runs it with the request id in one
 * hook: every request pays each hook). helmet's middleware is built once: @fastify/helmet rebuilds
 * it (and re-parses the CSP) on every request, which showed up in the request-path profile
 * (docs/performance.md).
 */
export function securityHeadersHook(secureCookies: boolean): onRequestHookHandler {
  const pageHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'img-src': ["'self'", 'data:', 'blob:'],
        'connect-src': ["'self'"],
        // Plain-HTTP deployments (and loopback) must not have their assets rewritten to https.
        'upgrade-insecure-requests': null,
      },
    },
    // Off on plain HTTP: browsers ignore it there and a wrong HSTS pin locks users out.
    hsts: secureCookies ? undefined : false,
  });
  const apiHeaders = apiSecurityHeaders(secureCookies);
  return (req, reply, done) => {
    if (isApiRoute(routeOf(req).url ?? req.url)) {
      reply.headers(apiHeaders);
      done();
      return;
    }
    pageHeaders(req.raw, reply.raw, (err?: unknown) => done(err as Error | undefined));
  };
}

/** CORS and rate limits (the security headers: securityHeadersHook). */
export async function registerSecurityPlugins(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { auth, host } = ctx.config;
  // Without CORS_ORIGINS no cross-origin access is granted: the plugin is not registered at all
  // (with `origin: false` it would still run a hook on every request to add nothing).
  if (auth.corsOrigins === '*' || auth.corsOrigins.length > 0) {
    await app.register(fastifyCors, {
      origin: auth.corsOrigins === '*' ? true : auth.corsOrigins,
      credentials: auth.corsOrigins !== '*',
      exposedHeaders: ['x-request-id', 'x-model-version', 'retry-after'],
    });
  }
  if (auth.rateLimitPerMinute === 0) return;
  const loopbackBind = isLoopbackHost(host);
  // Bound to loopback, every client is a loopback client, and those are exempt unless
  // RATE_LIMIT_LOOPBACK says otherwise: the plugin would run a hook on every request to do nothing.
  if (loopbackBind && !auth.rateLimitLoopback) return;
  await app.register(fastifyRateLimit, {
    global: true,
    max: auth.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: rateLimitKey,
    // Probes (routes of kind `probe`, route-traits.ts) are never limited.
    allowList: (req) =>
      traitsOf(req)?.kind === 'probe' ||
      (loopbackBind && !auth.rateLimitLoopback && isLoopbackAddress(req.socket.remoteAddress ?? req.ip)),
    errorResponseBuilder: (_req, context) =>
      new ModelGardenError(
        'RATE_LIMITED',
        `Rate limit exceeded: ${context.max} requests per minute; retry in ${context.after}`,
        {
          details: { limit: context.max, retryAfterSeconds: Math.ceil(context.ttl / 1000) },
        },
      ),
  });
}
