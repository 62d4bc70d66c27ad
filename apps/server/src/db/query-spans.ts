/**
 * Database spans: every query through node-postgres (pool queries and transactions alike, via the
 * traced Client class in postgres-database.ts) and through PGlite's `query` becomes a CLIENT span
 * when tracing is on. Only the statement text is recorded, never the parameters.
 */
import { SpanKind } from '@opentelemetry/api';
import { tracer, tracingActive } from '../observability/tracing.js';
import type { PgliteQueries } from './pglite-client.js';

/** Runs `run` inside a CLIENT span named for the statement's first word. */
export function traced<T>(system: 'postgresql', text: unknown, run: () => Promise<T>): Promise<T> {
  const statement = typeof text === 'string' ? text : ((text as { text?: string } | undefined)?.text ?? '');
  const operation = /^\s*(\w+)/.exec(statement)?.[1]?.toUpperCase() ?? 'QUERY';
  return tracer().startActiveSpan(
    operation,
    {
      kind: SpanKind.CLIENT,
      attributes: { 'db.system.name': system, 'db.query.text': statement.slice(0, 2000) },
    },
    async (span) => {
      try {
        return await run();
      } catch (err) {
        span.recordException(err as Error);
        span.setStatus({ code: 2 });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

/** Wraps the embedded database's `query` so its statements are traced too. */
export function traceBackendQueries(client: PgliteQueries): void {
  const query = client.query.bind(client);
  client.query = ((text: string, params?: unknown[], options?: unknown) =>
    tracingActive()
      ? traced('postgresql', text, () => query(text, params, options as never))
      : query(text, params, options as never)) as PgliteQueries['query'];
}
