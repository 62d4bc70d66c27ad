/** `GET /metrics` in the Prometheus text format, and the HTTP request metrics that feed it. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import type { BoundHistogramSeries } from '../../observability/bound-metrics.js';

export function registerMetrics(app: FastifyInstance, ctx: AppContext): void {
  const m = ctx.metrics;
  // One bound series per method, route template (never the raw URL, so label values stay bounded;
  // unmatched routes share one) and status class, found once and then observed without label work.
  const series = new Map<string, BoundHistogramSeries>();
  // Callback-style hooks: these run on every request, and an async hook costs a promise each.
  app.addHook('onRequest', (_req, reply, done) => {
    m.httpInFlight.inc();
    // 'close' fires once whether the response finished or the client went away mid-request
    // (onResponse does not run for aborted requests), so the gauge cannot leak.
    reply.raw.once('close', () => m.httpInFlight.dec());
    done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const statusClass = `${Math.floor(reply.statusCode / 100)}xx`;
    const key = `${req.method} ${statusClass} ${route}`;
    let s = series.get(key);
    if (!s) {
      s = m.httpRequestDuration.bind({
        http_request_method: req.method,
        http_route: route,
        http_response_status_class: statusClass,
      });
      series.set(key, s);
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
