/** The process logger: pino JSON lines (no credentials: see below). */
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

/** The process logger for a configuration: its level, and trace ids on lines when tracing is configured. */
export function loggerFor(config: Config, destination?: pino.DestinationStream): Logger {
  return createLogger(config.logLevel, destination, { traceIds: config.otel.endpoint !== undefined });
}
