/**
 * Request logs: one line per request when it completes (method, URL, status, time; the request id
 * and, with tracing on, the trace id), written from a hook so it carries the trace id. At `debug` a
 * second line marks each arrival. Payloads are never logged.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import pino, { type Logger } from 'pino';

const {
  chindingsSym,
  endSym,
  formattersSym,
  lsCacheSym,
  messageKeySym,
  mixinSym,
  serializersSym,
  streamSym,
  timeSym,
} = pino.symbols;

/** A pino logger seen through its internal symbols (pino.symbols types them as plain symbols). */
type PinoInternals = Record<symbol, unknown>;

/**
 * The completion line, written without pino's generic object walk: the same JSON as
 * `req.log.info({ req, res, responseTime }, 'request completed')` with Fastify's request and reply
 * serializers (request-logging.test.ts compares the two), at a fraction of the cost on a small
 * prediction (docs/performance.md, point 8). The level, time and bound fields (service, request id,
 * trace ids) are the logger's own pre-rendered pieces.
 */
export function completionLine(log: PinoInternals, req: FastifyRequest, reply: FastifyReply): string {
  const version = req.headers['accept-version'];
  const host = req.host;
  const ip = req.ip;
  const port = req.socket?.remotePort;
  const time = reply.elapsedTime;
  const level = (log[lsCacheSym] as Record<number, string>)[30];
  const now = (log[timeSym] as () => string)();
  return (
    `${level}${now}${log[chindingsSym] as string},"req":{"method":${JSON.stringify(req.method)},` +
    `"url":${JSON.stringify(req.url)}` +
    (version === undefined ? '' : `,"version":${JSON.stringify(version)}`) +
    (host === undefined ? '' : `,"host":${JSON.stringify(host)}`) +
    (ip === undefined ? '' : `,"remoteAddress":${JSON.stringify(ip)}`) +
    (port === undefined ? '' : `,"remotePort":${port}`) +
    `},"res":{"statusCode":${reply.statusCode}},"responseTime":${Number.isFinite(time) ? time : null},` +
    `"msg":"request completed"${log[endSym] as string}`
  );
}

/**
 * Whether the compiled line is what pino would write for this logger: no mixin, no `log`
 * formatter, the default message key and Fastify's own req/res serializers (our createLogger makes
 * such a logger; one passed in by an embedding application may differ, and then pino writes).
 */
export function compilable(log: FastifyInstance['log']): boolean {
  const l = log as unknown as PinoInternals;
  const serializers = l[serializersSym] as Record<string, { name?: string } | undefined> | undefined;
  return (
    typeof (l[streamSym] as { write?: unknown } | undefined)?.write === 'function' &&
    typeof l[chindingsSym] === 'string' &&
    typeof l[timeSym] === 'function' &&
    typeof (l[lsCacheSym] as Record<number, unknown> | undefined)?.[30] === 'string' &&
    !l[mixinSym] &&
    (l[formattersSym] as { log?: unknown } | undefined)?.log === undefined &&
    l[messageKeySym] === 'msg' &&
    serializers?.req?.name === 'asReqValue' &&
    serializers?.res?.name === 'asResValue'
  );
}

export function registerRequestLogging(app: FastifyInstance): void {
  // One line per request at info: a line on arrival doubled the logging cost of a small prediction
  // (docs/performance.md); the arrival line is kept for debugging.
  if (app.log.level === 'debug' || app.log.level === 'trace') {
    app.addHook('onRequest', (req, _reply, done) => {
      req.log.debug({ req }, 'incoming request');
      done();
    });
  }
  const compiled = compilable(app.log);
  app.addHook('onResponse', (req, reply, done) => {
    const log = req.log as unknown as PinoInternals;
    if (compiled && (req.log as Logger).isLevelEnabled('info'))
      (log[streamSym] as { write(line: string): unknown }).write(completionLine(log, req, reply));
    else req.log.info({ req, res: reply, responseTime: reply.elapsedTime }, 'request completed');
    done();
  });
}
