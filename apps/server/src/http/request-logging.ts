/**
 * Request logs: one line per request when it completes (method, URL, status, time; the request id
 * and, with tracing on, the trace id), written from a hook so it carries the trace id. At `debug` a
 * second line marks each arrival. Payloads are never logged.
 */
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import pino, { type Bindings, type ChildLoggerOptions, type Logger } from 'pino';

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
 * A request's logger (`req.log`), made only when something logs through it. Fastify makes a pino
 * child per request (bound to the request id) though a request that goes well logs only its
 * completion line, which is written from the parent's pieces (completionLine): the child cost a
 * small prediction about 1 % of its CPU. The first call of any logging method makes the real child,
 * and from then on this forwards to it: its lines are pino's own.
 */
export class LazyRequestLogger {
  private made: Logger | undefined;

  constructor(
    readonly parent: Logger,
    readonly bindings: Bindings,
  ) {}

  /** The pino child this stands for (made on first use). */
  get real(): Logger {
    if (this.made === undefined) this.made = this.parent.child(this.bindings);
    return this.made;
  }

  /** Whether the real child exists yet (tests). */
  get realized(): boolean {
    return this.made !== undefined;
  }

  get level(): string {
    return this.made?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.real.level = level;
  }

  isLevelEnabled(level: string): boolean {
    return (this.made ?? this.parent).isLevelEnabled(level);
  }

  fatal(...args: Parameters<Logger['fatal']>): void {
    this.real.fatal(...args);
  }
  error(...args: Parameters<Logger['error']>): void {
    this.real.error(...args);
  }
  warn(...args: Parameters<Logger['warn']>): void {
    this.real.warn(...args);
  }
  info(...args: Parameters<Logger['info']>): void {
    this.real.info(...args);
  }
  debug(...args: Parameters<Logger['debug']>): void {
    this.real.debug(...args);
  }
  trace(...args: Parameters<Logger['trace']>): void {
    this.real.trace(...args);
  }
  silent(...args: Parameters<Logger['silent']>): void {
    this.real.silent(...args);
  }
  child(bindings: Bindings, options?: ChildLoggerOptions): Logger {
    return this.real.child(bindings, options);
  }

  /**
   * The bound fields as pino renders them for the child: the parent's, then this request's. Only for
   * loggers compilable() accepts (no serializer for the keys; children get no bindings formatter).
   */
  chindings(): string {
    if (this.made !== undefined) return (this.made as unknown as PinoInternals)[chindingsSym] as string;
    let data = (this.parent as unknown as PinoInternals)[chindingsSym] as string;
    for (const key in this.bindings) data += `,${JSON.stringify(key)}:${JSON.stringify(this.bindings[key])}`;
    return data;
  }
}

/** compilable() per parent logger: the factory runs for every request. */
const lazyCapable = new WeakMap<object, boolean>();

/**
 * Fastify's `childLoggerFactory`: a lazy child for requests with the process's own logger options,
 * a real one when the route sets its own level or serializers.
 */
export function lazyRequestLoggerFactory(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  let lazy = lazyCapable.get(logger);
  if (lazy === undefined) {
    lazy = compilable(logger);
    lazyCapable.set(logger, lazy);
  }
  if (!lazy || options.level !== undefined || options.serializers !== undefined)
    return logger.child(bindings, options);
  return new LazyRequestLogger(logger as unknown as Logger, bindings) as unknown as FastifyBaseLogger;
}

/**
 * The completion line, written without pino's generic object walk: the same JSON as
 * `req.log.info({ req, res, responseTime }, 'request completed')` with Fastify's request and reply
 * serializers (request-logging.test.ts compares the two), at a fraction of the cost on a small
 * prediction (docs/performance.md, point 8). The level, time and bound fields (service, request id,
 * trace ids) are the logger's own pre-rendered pieces.
 */
export function completionLine(
  log: PinoInternals,
  chindings: string,
  req: FastifyRequest,
  reply: FastifyReply,
): string {
  const version = req.headers['accept-version'];
  const host = req.host;
  const ip = req.ip;
  const port = req.socket?.remotePort;
  const time = reply.elapsedTime;
  const level = (log[lsCacheSym] as Record<number, string>)[30];
  const now = (log[timeSym] as () => string)();
  return (
    `${level}${now}${chindings},"req":{"method":${JSON.stringify(req.method)},` +
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
 * formatter, the default message key, Fastify's own req/res serializers and none for the request id
 * (a child's bound fields never pass a `bindings` formatter: pino resets it for children). Our
 * createLogger makes such a logger; one passed in by an embedding application may differ, and then
 * pino writes.
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
    serializers?.res?.name === 'asResValue' &&
    serializers.reqId === undefined
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
    const lazy = req.log instanceof LazyRequestLogger ? req.log : undefined;
    const log = (lazy ? lazy.parent : req.log) as unknown as PinoInternals;
    if (compiled && (req.log as Logger).isLevelEnabled('info'))
      (log[streamSym] as { write(line: string): unknown }).write(
        completionLine(log, lazy ? lazy.chindings() : (log[chindingsSym] as string), req, reply),
      );
    else req.log.info({ req, res: reply, responseTime: reply.elapsedTime }, 'request completed');
    done();
  });
}
