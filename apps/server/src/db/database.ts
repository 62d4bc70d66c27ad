/**
 * Opens the database: embedded PGlite in `<dataDir>/pg` by default, or a PostgreSQL server through
 * node-postgres when a URL is given (postgres-database.ts, imported only then). Both are driven through the same Drizzle API, and migrations
 * are applied on open (on a server, under an advisory lock, so replicas starting together take turns).
 * The embedded database runs in a worker thread of its own (pglite-thread.ts), never on the thread
 * that serves requests (embedded-start.ts opens it).
 */
import type { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { startEmbeddedDatabase, takeEmbedded } from './embedded-start.js';
import { MIGRATIONS_DIR } from './migrations-dir.js';
import { PgliteThreadClient } from './pglite-client.js';
import { traceBackendQueries } from './query-spans.js';
import { schema } from './schema.js';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /**
   * Bulk-loads rows in PostgreSQL's binary COPY format (header, rows, trailer) into `target`, a
   * trusted `table (column, …)` text: `COPY … FROM STDIN` on a server (pg-copy-streams), `COPY …
   * FROM '/dev/blob'` in PGlite's thread. One statement: all rows or none.
   */
  copyBinary(target: string, data: Uint8Array): Promise<void>;
  /** Cheap round trip used by the readiness probe. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres:// URL; when absent an embedded PGlite database lives in `dataDir/pg`. */
  url?: string | undefined;
  dataDir: string;
  /** Use an in-memory PGlite (tests). */
  inMemory?: boolean;
  /** Errors of idle pooled connections (server restart, admin kill); without a handler they crash the process. */
  onIdleError?: (err: Error) => void;
}

export { MIGRATIONS_DIR, startEmbeddedDatabase };

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    // node-postgres and its Drizzle driver load only for a server (~150 ms of imports otherwise).
    const { openPostgres } = await import('./postgres-database.js');
    return openPostgres(options.url, options.onIdleError);
  }
  const client = options.inMemory
    ? await PgliteThreadClient.open(null, MIGRATIONS_DIR)
    : await takeEmbedded(options.dataDir);
  traceBackendQueries(client);
  // drizzle-orm/pglite calls only query() and transaction(), which the thread client provides.
  const db = drizzlePglite(client as unknown as PGlite, { schema });
  return {
    db: db as unknown as Db,
    kind: 'pglite',
    copyBinary: (target, data) => client.copyBinary(target, data),
    ping: async () => {
      await client.query('select 1');
    },
    close: () => client.close(),
  };
}
