/** The process logger: pino JSON lines, or pretty lines on a terminal (no credentials: see below). */
import { writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';
import type { Config } from './config/config.js';
import { BatchedLogDestination } from './log-destination.js';
import { activeTraceIds } from './observability/tracing.js';

/**
 * The destination defaults to stdout, written in batches every 10 ms (log-destination.ts).
 * `traceIds`: whether tracing is configured; then every line logged inside a traced request carries
 * its trace and span ids (without tracing the lookup would run for nothing on every line).
 */
export function createLogger(
  level: string,
  destination?: pino.DestinationStream,
  options: { traceIds?: boolean } = {},
): Logger {
  return pino(
    {
      level,
      base: { service: 'modelgarden' },
      ...((options.traceIds ?? true) ? { mixin: activeTraceIds } : {}),
      // No pino redaction: even exact paths cost a path walk and a clone on every line (a measurable
      // share of a small prediction, docs/performance.md). Credentials never reach a log object by
      // construction instead: request lines use Fastify's req serializer (method, URL, host,
      // address; no headers), bodies are never logged, and the access suite scans every line of
      // its run, at debug, for each key, password and session token it used.
    },
    destination ?? new BatchedLogDestination(1),
  );
}

interface LogLine {
  msg?: string;
  req?: { method?: string; url?: string };
  res?: { statusCode?: number };
  responseTime?: number;
}

/**
 * Lines for a person at a terminal (pino-pretty): time, level, message, then the other fields
 * indented; a request's completion line reads `POST /api/… → 200 (1.2 ms)`. Written synchronously,
 * so nothing is lost at exit; a terminal does not log at a rate where batching matters.
 */
export function prettyDestination(fd = 1, colorize = true): pino.DestinationStream {
  // Loaded only for a terminal: JSON lines never need it.
  const { prettyFactory } = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  const pretty = prettyFactory({
    colorize,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service,reqId,req,res,responseTime',
    messageFormat: (log: LogLine, messageKey: string) => {
      const msg = String((log as Record<string, unknown>)[messageKey] ?? '');
      if (msg !== 'request completed' || !log.req) return msg;
      const time = typeof log.responseTime === 'number' ? ` (${log.responseTime.toFixed(1)} ms)` : '';
      return `${log.req.method} ${log.req.url} → ${log.res?.statusCode ?? '?'}${time}`;
    },
  });
  return {
    write(chunk: string) {
      let out = '';
      for (const line of chunk.split('\n')) if (line) out += pretty(line);
      if (out) writeSync(fd, out);
    },
  };
}

/**
 * The process logger for a configuration: its level, trace ids on lines when tracing is configured,
 * and its format (`LOG_FORMAT`: pretty on a terminal, JSON lines otherwise) unless a destination is given.
 */
export function loggerFor(config: Config, destination?: pino.DestinationStream): Logger {
  const pretty =
    destination === undefined &&
    (config.logFormat === 'pretty' || (config.logFormat === 'auto' && process.stdout.isTTY === true));
  return createLogger(
    config.logLevel,
    pretty ? prettyDestination(1, process.stdout.isTTY === true) : destination,
    {
      traceIds: config.otel.endpoint !== undefined,
    },
  );
}
