/** `GET /metrics` in the Prometheus text format, and the HTTP request metrics that feed it. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import type { BoundHistogramSeries } from '../../observability/bound-metrics.js';
import { routeOf } from '../route-hooks.js';

export function registerMetrics(app: FastifyInstance, ctx: AppContext): void {
  const m = ctx.metrics;
  // One bound series per route template (never the raw URL, so label values stay bounded; unmatched
  // routes share one), method and status class, found once and then observed without label work:
  // no key string is built per request.
  const series = new Map<string, Map<string, Array<BoundHistogramSeries | undefined>>>();
  // Callback-style hooks: these run on every request, and an async hook costs a promise each.
  app.addHook('onRequest', (_req, reply, done) => {
    m.httpInFlight.inc();
    // 'close' fires once whether the response finished or the client went away mid-request
    // (onResponse does not run for aborted requests), so the gauge cannot leak.
    reply.raw.once('close', () => m.httpInFlight.dec());
    done();
  });
  app.addHook('onResponse', (req, reply, done) => {
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
    { schema: { tags: ['observability'], summary: 'Prometheus metrics', hide: false } },
    async (_req, reply) => {
      reply.header('content-type', m.registry.contentType);
      return m.registry.metrics();
    },
  );
}
