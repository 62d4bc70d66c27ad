/** The process logger: pino JSON lines (no credentials: see below). */
import pino, { type Logger } from 'pino';
import { activeTraceIds } from './observability/tracing.js';

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'modelgarden' },
      // Every line logged inside a traced request carries its trace and span ids.
      mixin: activeTraceIds,
      // No pino redaction: even exact paths cost a path walk and a clone on every line (a measurable
      // share of a small prediction, docs/performance.md). Credentials never reach a log object by
      // construction instead: request lines use Fastify's req serializer (method, URL, host,
      // address; no headers), bodies are never logged, and the access suite scans every line of
      // its run, at debug, for each key, password and session token it used.
    },
    destination ?? pino.destination(1),
  );
}
