/**
 * Hooks attached to the routes they concern instead of to every request. A global hook that returns
 * early for most routes still costs a call and a promise on every request; on the prediction path
 * those calls showed up in the request profile (docs/performance.md). Registered with `onRoute`, so
 * call these before the routes they should reach are added.
 */
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** `routeOptions`, read once per request: see routeOf(). */
    routeInfo: FastifyRequest['routeOptions'] | null;
  }
}

/** Declares the per-request slot routeOf() fills (before any route is added). */
export function decorateRouteInfo(app: FastifyInstance): void {
  app.decorateRequest('routeInfo', null);
}

/**
 * The matched route's options (`url` is the template; undefined when no route matched). Fastify's
 * `req.routeOptions` is a getter that builds a new object of a dozen fields on every access, and a
 * prediction passes half a dozen hooks that ask for it: this builds it once per request.
 */
export function routeOf(req: FastifyRequest): FastifyRequest['routeOptions'] {
  let info = req.routeInfo;
  if (info == null) {
    info = req.routeOptions;
    req.routeInfo = info;
  }
  return info;
}

type HookName = 'onRequest' | 'preHandler' | 'onSend' | 'onResponse';

export function addRouteHook<H extends HookName>(
  app: FastifyInstance,
  hook: H,
  applies: (route: RouteOptions) => boolean,
  fn: NonNullable<RouteOptions[H]> extends infer F ? (F extends readonly unknown[] ? F[number] : F) : never,
): void {
  app.addHook('onRoute', (route) => {
    if (!applies(route)) return;
    const existing = route[hook] as unknown;
    const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
    (route as Record<HookName, unknown>)[hook] = [...list, fn];
  });
}

/** The methods a route answers (route.method may be one method or a list). */
export function routeMethods(route: RouteOptions): readonly string[] {
  return Array.isArray(route.method) ? route.method : [route.method];
}
