/** `GET /metrics` in the Prometheus text format, and the HTTP request metrics that feed it. */
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { METRICS } from '../../auth/authorize.js';
import type { AppContext } from '../../context.js';
import { prometheusTextSchema } from '../../contract/observability-schemas.js';
import type { BoundHistogramSeries } from '../../observability/bound-metrics.js';
import { routeOf } from '../route-hooks.js';
import { traits } from '../route-traits.js';

/** Requests of a connection not yet done (see registerMetrics). */
const ACTIVE = Symbol('modelgarden.activeRequests');
type CountedSocket = Socket & { [ACTIVE]?: number };

export function registerMetrics(app: FastifyInstance, ctx: AppContext): void {
  const m = ctx.metrics;
  // One bound series per route template (never the raw URL, so label values stay bounded; unmatched
  // routes share one), method and status class, found once and then observed without label work:
  // no key string is built per request.
  const series = new Map<string, Map<string, Array<BoundHistogramSeries | undefined>>>();
  // Callback-style hooks: these run on every request, and an async hook costs a promise each.
  // The in-flight gauge: +1 when a request arrives, -1 when its response is done (onResponse), and
  // for requests whose client went away (onResponse does not run for those) when the connection
  // closes: each connection counts its requests not yet done, with one 'close' listener per
  // connection rather than one per request.
  const active = m.httpActive;
  app.addHook('onRequest', (req, _reply, done) => {
    active.count++;
    const socket = req.raw.socket as CountedSocket | null;
    if (socket) {
      const open = socket[ACTIVE];
      if (open === undefined) {
        socket[ACTIVE] = 1;
        socket.once('close', () => {
          active.count -= socket[ACTIVE]!;
          socket[ACTIVE] = 0;
        });
      } else socket[ACTIVE] = open + 1;
    }
    done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    const socket = req.raw.socket as CountedSocket | null;
    if (!socket) active.count--;
    else if (socket[ACTIVE]! > 0) {
      // Not yet counted down by the connection's close.
      socket[ACTIVE]!--;
      active.count--;
    }
    const route = routeOf(req).url ?? 'unmatched';
    const statusClass = Math.floor(reply.statusCode / 100);
    let byMethod = series.get(route);
    if (!byMethod) {
      byMethod = new Map();
      series.set(route, byMethod);
    }
    let byClass = byMethod.get(req.method);
    if (!byClass) {
      byClass = [];
      byMethod.set(req.method, byClass);
    }
    let s = byClass[statusClass];
    if (!s) {
      s = m.httpRequestDuration.bind({
        http_request_method: req.method,
        http_route: route,
        http_response_status_class: `${statusClass}xx`,
      });
      byClass[statusClass] = s;
    }
    // Fastify times every request from its arrival (ms).
    s.observe(reply.elapsedTime / 1000);
    done();
  });

  app.get(
    '/metrics',
    {
      config: traits(METRICS, 'observability'),
      schema: {
        tags: ['observability'],
        summary: 'Prometheus metrics',
        hide: false,
        response: { 200: { content: { 'text/plain': { schema: prometheusTextSchema } } } },
      },
    },
    async (_req, reply) => {
      reply.header('content-type', m.registry.contentType);
      return m.registry.metrics();
    },
  );
}
