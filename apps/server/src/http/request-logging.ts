/**
 * Request logs: one line when a request arrives and one when it completes, written from hooks so
 * they carry the request id and (after the tracing hook) the trace id. Payloads are never logged.
 */
import type { FastifyInstance } from 'fastify';

export function registerRequestLogging(app: FastifyInstance): void {
  app.addHook('onRequest', async (req) => {
    req.log.info({ req }, 'incoming request');
  });
  app.addHook('onResponse', async (req, reply) => {
    req.log.info({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  });
}
