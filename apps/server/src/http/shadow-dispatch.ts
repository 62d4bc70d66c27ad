/**
 * Shadow traffic: when the alias that served a prediction has a shadow version, a copy of the request
 * runs against that version after the reply has gone out (through the same route, with an explicit
 * version), and its answer is logged, never returned. Copies beyond a small in-flight limit are
 * dropped so a slow shadow cannot hold up the live path.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { addRouteHook, routeOf } from './route-hooks.js';
import { traitsOfRoute } from './route-traits.js';
import { SERVED_VERSION_HEADER } from './served-version.js';

export const SHADOW_HEADER = 'x-modelgarden-shadow';

export interface ShadowResult {
  model: string;
  alias: string | null;
  /** The version that answered the client. */
  servedVersion: string | undefined;
  shadowVersion: number;
  status: number;
  /** The shadow's answer (cut to 4 KB). */
  answer: string;
}

export interface ShadowDispatcher {
  /** The latest results, newest last (for tests and debugging). */
  readonly recent: ShadowResult[];
  dropped: number;
  /** Resolves when every copy started so far has finished. */
  idle(): Promise<void>;
}

const MAX_IN_FLIGHT = 32;
const KEEP_RECENT = 50;

/** The same route with an explicit version: the friendly route's `?version=`, OIP's versioned path. */
function shadowUrl(req: FastifyRequest, name: string, version: number): string {
  if (routeOf(req).config?.traits?.errors !== 'oip') {
    const query = new URLSearchParams();
    query.set('version', String(version));
    const topK = (req.query as { topK?: unknown }).topK;
    if (topK !== undefined) query.set('topK', String(topK));
    return `/api/models/${encodeURIComponent(name)}/predict?${query}`;
  }
  return `/v2/models/${encodeURIComponent(name)}/versions/${version}/infer`;
}

export function registerShadowDispatch(app: FastifyInstance, ctx: AppContext): ShadowDispatcher {
  const inFlight = new Set<Promise<void>>();
  const dispatcher: ShadowDispatcher = {
    recent: [],
    dropped: 0,
    idle: async () => {
      await Promise.allSettled([...inFlight]);
    },
  };

  /** Copies a prediction that named its model and no version (an alias served it) to its shadow. */
  async function copy(
    req: FastifyRequest,
    name: string,
    alias: string | undefined,
    servedVersion: string | undefined,
  ): Promise<void> {
    const resolution = await ctx.registry.route(name, { alias });
    const shadow = resolution.shadow;
    if (!shadow || Math.random() * 100 >= shadow.percent) return;
    if (inFlight.size >= MAX_IN_FLIGHT) {
      dispatcher.dropped++;
      return;
    }
    const run = (async () => {
      const res = await app.inject({
        method: 'POST',
        url: shadowUrl(req, name, shadow.version.version),
        payload: req.body as object,
        headers: { 'content-type': 'application/json', [SHADOW_HEADER]: '1' },
      });
      const result: ShadowResult = {
        model: name,
        alias: resolution.alias,
        servedVersion,
        shadowVersion: shadow.version.version,
        status: res.statusCode,
        answer: res.body.slice(0, 4096),
      };
      dispatcher.recent.push(result);
      if (dispatcher.recent.length > KEEP_RECENT) dispatcher.recent.shift();
      req.log.info({ shadow: result }, 'shadow prediction');
    })().catch((err) => req.log.warn({ err, model: name }, 'shadow prediction failed'));
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
  }

  addRouteHook(
    app,
    'onResponse',
    (route) => traitsOfRoute(route)?.shadow === true,
    // Callback style, and the copy is not waited for: the reply has gone out already.
    (req, reply, done) => {
      done();
      if (reply.statusCode !== 200 || req.headers[SHADOW_HEADER] !== undefined) return;
      // Only JSON bodies can be replayed; a multipart image upload has been consumed by the handler.
      if (req.body === undefined || req.body === null || typeof req.body !== 'object') return;
      // Only a request that an alias served has a shadow.
      const params = req.params as { name?: string; version?: string };
      const query = req.query as { version?: string; alias?: string } | undefined;
      if (!params.name || params.version !== undefined || query?.version !== undefined) return;
      // The common case, decided from the registry's cache without a promise: no shadow.
      if (ctx.registry.cachedShadow(params.name, { alias: query?.alias }) === null) return;
      const served = reply.getHeader(SERVED_VERSION_HEADER);
      copy(req, params.name, query?.alias, served === undefined ? undefined : String(served)).catch((err) =>
        req.log.warn({ err }, 'shadow dispatch failed'),
      );
    },
  );
  return dispatcher;
}
