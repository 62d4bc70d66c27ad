/**
 * One SERVER span per HTTP request, named `METHOD route`, with the stable HTTP semantic-convention
 * attributes. An incoming W3C `traceparent` continues the caller's trace; the rest of the request
 * (handlers, domain code, logs) runs inside the span's context.
 */
import { context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Tracing } from '../observability/tracing.js';
import { routeOf } from './route-hooks.js';

const spanKey = Symbol('httpSpan');
type WithSpan = FastifyRequest & { [spanKey]?: Span };

export function registerTracing(app: FastifyInstance, tracing: Tracing): void {
  if (!tracing.enabled) return;
  app.addHook('onRequest', (req, reply, done) => {
    const parent = tracing.propagator.extract(ROOT_CONTEXT, req.headers, {
      get: (carrier, key) => carrier[key] as string | string[] | undefined,
      keys: (carrier) => Object.keys(carrier),
    });
    const route = routeOf(req).url;
    const span = tracing.tracer.startSpan(
      route ? `${req.method} ${route}` : req.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': req.method,
          'url.path': req.url.split('?')[0] ?? '/',
          'url.scheme': req.protocol,
          'server.address': req.hostname,
          'network.protocol.version': req.raw.httpVersion,
          'client.address': req.ip,
          ...(route ? { 'http.route': route } : {}),
          ...(req.headers['user-agent'] ? { 'user_agent.original': req.headers['user-agent'] } : {}),
          'modelgarden.request_id': req.id,
        },
      },
      parent,
    );
    (req as WithSpan)[spanKey] = span;
    // Bind the ids into the request's logger too: some lines (the completion log) are written
    // outside the span's async context.
    const { traceId, spanId } = span.spanContext();
    req.log = req.log.child({ traceId, spanId });
    reply.log = req.log;
    context.with(trace.setSpan(parent, span), done);
  });
  app.addHook('onResponse', async (req, reply) => {
    const span = (req as WithSpan)[spanKey];
    if (!span) return;
    span.setAttribute('http.response.status_code', reply.statusCode);
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
}
