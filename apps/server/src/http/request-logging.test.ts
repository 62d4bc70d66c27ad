/**
 * The compiled completion line (request-logging.ts) against pino's own rendering of the same call:
 * same fields, same order, for requests with and without the optional fields; and the fallback to
 * pino for loggers whose lines it cannot reproduce (a mixin, as tracing adds).
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import {
  compilable,
  LazyRequestLogger,
  lazyRequestLoggerFactory,
  registerRequestLogging,
} from './request-logging.js';

function capture(): { lines: string[]; write(line: string): void } {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line) };
}

let app: FastifyInstance | undefined;
const lazyAtCompletion: boolean[] = [];
afterEach(async () => {
  await app?.close();
  app = undefined;
  lazyAtCompletion.length = 0;
});

async function appWith(traceIds: boolean, level = 'info') {
  const out = capture();
  app = Fastify({
    loggerInstance: createLogger(level, out, { traceIds }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyRequestLoggerFactory,
  });
  registerRequestLogging(app);
  // Whether req.log was still unmade when the compiled line was written (it must be, to test it).
  app.addHook('onResponse', (req, _reply, done) => {
    lazyAtCompletion.push(req.log instanceof LazyRequestLogger && !req.log.realized);
    done();
  });
  // pino's generic rendering of the same call, written after ours: the reference to compare with.
  app.addHook('onResponse', (req, reply, done) => {
    req.log.info({ req, res: reply, responseTime: reply.elapsedTime }, 'request completed');
    done();
  });
  app.get('/things/:id', async () => ({ ok: true }));
  app.post('/fail', async (_req, reply) => reply.status(422).send({ error: 'no' }));
  await app.ready();
  return out;
}

/** The two lines with their clocks (time, responseTime) masked: everything else must be equal. */
function masked(line: string): string {
  return line.replace(/"time":\d+/, '"time":0').replace(/"responseTime":[0-9.e-]+/, '"responseTime":0');
}

describe('request completion line', () => {
  it('is byte for byte what pino writes, but for the clocks', async () => {
    const out = await appWith(false);
    // The compiled line is in use (else this test would compare pino with itself).
    expect(compilable(app!.log)).toBe(true);
    await app!.inject({ method: 'GET', url: '/things/7?q="quoted"\\x', headers: { 'x-request-id': 'r-1' } });
    await app!.inject({
      method: 'POST',
      url: '/fail',
      headers: { 'accept-version': '2.x', host: 'example.test:8080' },
      payload: {},
    });
    await app!.inject({ method: 'GET', url: '/nowhere' });
    const completions = out.lines.filter((l) => l.includes('"request completed"'));
    expect(completions).toHaveLength(6);
    for (let i = 0; i < 6; i += 2) {
      expect(masked(completions[i]!)).toBe(masked(completions[i + 1]!));
      const parsed = JSON.parse(completions[i]!);
      expect(parsed).toMatchObject({ level: 30, service: 'modelgarden', msg: 'request completed' });
      expect(typeof parsed.responseTime).toBe('number');
      expect(completions[i]!.endsWith('}\n')).toBe(true);
    }
    // The backslash is escaped in the JSON (the quotes arrive percent-encoded).
    expect(completions[0]).toContain('"url":"/things/7?q=%22quoted%22\\\\x"');
    expect(JSON.parse(completions[2]!)).toMatchObject({
      req: { method: 'POST', url: '/fail', version: '2.x', host: 'example.test:8080' },
      res: { statusCode: 422 },
    });
    expect(JSON.parse(completions[4]!).res.statusCode).toBe(404);
    // Ours were written from the parent's pieces, before pino's reference line made the child.
    expect(lazyAtCompletion).toEqual([true, true, true]);
    expect(JSON.parse(completions[0]!).reqId).toBe('req-1');
  });

  it("makes the request logger on first use, with pino's own bound fields", async () => {
    const out = capture();
    // Fastify's view of our logger (its req/res serializers added), as the factory receives it.
    const parent = Fastify({
      loggerInstance: createLogger('info', out, { traceIds: false }) as FastifyBaseLogger,
    }).log;
    const lazy = lazyRequestLoggerFactory(parent as FastifyBaseLogger, { reqId: 'a"b' }, {});
    expect(lazy).toBeInstanceOf(LazyRequestLogger);
    const logger = lazy as unknown as LazyRequestLogger;
    const rendered = logger.chindings();
    expect(logger.realized).toBe(false);
    expect(logger.level).toBe('info');
    expect(logger.isLevelEnabled('debug')).toBe(false);
    logger.debug('below the level');
    logger.warn({ n: 1 }, 'first');
    expect(logger.realized).toBe(true);
    expect(logger.chindings()).toBe(rendered);
    expect(JSON.parse(out.lines[0]!)).toMatchObject({ level: 40, reqId: 'a"b', n: 1, msg: 'first' });
    expect(out.lines).toHaveLength(1);
    logger.child({ part: 2 }).info('from a child');
    expect(JSON.parse(out.lines[1]!)).toMatchObject({ reqId: 'a"b', part: 2, msg: 'from a child' });
    // A route's own level or serializers get a real child at once; so does a logger the line cannot use.
    expect(
      lazyRequestLoggerFactory(parent as FastifyBaseLogger, { reqId: 'x' }, { level: 'debug' }),
    ).not.toBeInstanceOf(LazyRequestLogger);
    const traced = Fastify({
      loggerInstance: createLogger('info', out, { traceIds: true }) as FastifyBaseLogger,
    }).log;
    expect(lazyRequestLoggerFactory(traced as FastifyBaseLogger, { reqId: 'x' }, {})).not.toBeInstanceOf(
      LazyRequestLogger,
    );
  });

  it('falls back to pino when the logger has a mixin (tracing on), and writes nothing below its level', async () => {
    const traced = await appWith(true);
    expect(compilable(app!.log)).toBe(false);
    await app!.inject({ method: 'GET', url: '/things/1' });
    const completions = traced.lines.filter((l) => l.includes('"request completed"'));
    expect(completions).toHaveLength(2);
    expect(masked(completions[0]!)).toBe(masked(completions[1]!));
    await app!.close();

    const quiet = await appWith(false, 'warn');
    await app!.inject({ method: 'GET', url: '/things/1' });
    expect(quiet.lines).toEqual([]);
  });
});
