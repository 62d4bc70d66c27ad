/**
 * Request logs: one line per request when it completes (method, URL, status, time; the request id
 * and, with tracing on, the trace id), written from a hook so it carries the trace id. At `debug` a
 * second line marks each arrival. Payloads are never logged.
 */
import type { FastifyInstance } from 'fastify';

export function registerRequestLogging(app: FastifyInstance): void {
  // One line per request at info: a line on arrival doubled the logging cost of a small prediction
  // (docs/performance.md); the arrival line is kept for debugging.
  if (app.log.level === 'debug' || app.log.level === 'trace') {
    app.addHook('onRequest', (req, _reply, done) => {
      req.log.debug({ req }, 'incoming request');
      done();
    });
  }
  app.addHook('onResponse', (req, reply, done) => {
    req.log.info({ req, res: reply, responseTime: reply.elapsedTime }, 'request completed');
    done();
  });
}
