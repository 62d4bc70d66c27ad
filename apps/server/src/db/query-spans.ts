/**
 * Database spans: every query through node-postgres (pool queries and transactions alike, via a
 * traced Client class) and through PGlite's `query` becomes a CLIENT span when tracing is on.
 * Only the statement text is recorded, never the parameters.
 */
import { SpanKind } from '@opentelemetry/api';
import pg from 'pg';
import { tracer, tracingActive } from '../observability/tracing.js';
import type { PgliteQueries } from './pglite-client.js';

function traced<T>(system: 'postgresql', text: unknown, run: () => Promise<T>): Promise<T> {
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

/** A node-postgres Client whose promise-style queries are traced. */
export class TracedClient extends pg.Client {
  // biome-ignore lint/suspicious/noExplicitAny: pg's query has many overloads; this forwards them all.
  override query(...args: any[]): any {
    const superQuery = (super.query as (...a: unknown[]) => unknown).bind(this);
    if (!tracingActive() || typeof args.at(-1) === 'function' || typeof args[0]?.submit === 'function') {
      return superQuery(...args);
    }
    return traced('postgresql', args[0], () => superQuery(...args) as Promise<unknown>);
  }
}

/** Wraps the embedded database's `query` so its statements are traced too. */
export function traceBackendQueries(client: PgliteQueries): void {
  const query = client.query.bind(client);
  client.query = ((text: string, params?: unknown[], options?: unknown) =>
    tracingActive()
      ? traced('postgresql', text, () => query(text, params, options as never))
      : query(text, params, options as never)) as PgliteQueries['query'];
}
