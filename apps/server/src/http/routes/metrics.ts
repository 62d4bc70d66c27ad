/** `GET /metrics` in the Prometheus text format, and the HTTP request metrics that feed it. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';

const started = Symbol('metricsStart');
type Timed = { [started]?: bigint };

export function registerMetrics(app: FastifyInstance, ctx: AppContext): void {
  const m = ctx.metrics;
  // Callback-style hooks: these run on every request, and an async hook costs a promise each.
  app.addHook('onRequest', (req, reply, done) => {
    (req as Timed)[started] = process.hrtime.bigint();
    m.httpInFlight.inc();
    // 'close' fires once whether the response finished or the client went away mid-request
    // (onResponse does not run for aborted requests), so the gauge cannot leak.
    reply.raw.once('close', () => m.httpInFlight.dec());
    done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    const start = (req as Timed)[started];
    if (start === undefined) return done();
    // The route template (never the raw URL) keeps label values bounded; unmatched routes share one.
    const route = req.routeOptions.url ?? 'unmatched';
    m.httpRequestDuration.observe(
      {
        http_request_method: req.method,
        http_route: route,
        http_response_status_class: `${Math.floor(reply.statusCode / 100)}xx`,
      },
      Number(process.hrtime.bigint() - start) / 1e9,
    );
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
