/** The process logger: pino JSON lines, with credentials redacted. */
import pino, { type Logger } from 'pino';
import { activeTraceIds } from './observability/tracing.js';

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'modelgarden' },
      // Every line logged inside a traced request carries its trace and span ids.
      mixin: activeTraceIds,
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'req.headers["x-api-key"]',
          'res.headers["set-cookie"]',
          '*.password',
          '*.apiKey',
          '*.token',
        ],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination(1),
  );
}
