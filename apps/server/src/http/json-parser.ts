/** Replaces Fastify's JSON body parser with security/safe-json.ts (depth and key limits, no prototype keys). */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type JsonLimits, parseClientJson } from '../security/safe-json.js';

/** The parser function, for routes that parse JSON inside their own content-type parser. */
export function jsonBodyParser(limits: JsonLimits) {
  return (
    _req: FastifyRequest,
    body: string | Buffer,
    done: (err: Error | null, value?: unknown) => void,
  ) => {
    try {
      done(null, parseClientJson(typeof body === 'string' ? body : body.toString('utf8'), limits));
    } catch (err) {
      done(err as Error);
    }
  };
}

export function registerJsonParser(app: FastifyInstance, limits: JsonLimits): void {
  app.removeContentTypeParser(['application/json']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, jsonBodyParser(limits));
}
