/**
 * Opens the database: embedded PGlite in `<dataDir>/pg` by default, or a PostgreSQL server through
 * node-postgres when a URL is given. Both are driven through the same Drizzle API, and migrations
 * are applied on open (on a server, under an advisory lock, so replicas starting together take turns).
 * The embedded database runs in a worker thread of its own (pglite-thread.ts), never on the thread
 * that serves requests; an empty data directory is copied from the build's template (or, without
 * one, initialised by a short-lived worker).
 */
import { existsSync } from 'node:fs';
import { cp, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { initPgliteDir, PgliteThreadClient } from './pglite-client.js';
import { PGLITE_TEMPLATE } from './pglite-template.js';
import { TracedClient, traceBackendQueries } from './query-spans.js';
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

export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '..', '..', 'drizzle');

/**
 * The session-level advisory lock key that serialises migrations across processes: 'MGMIGRAT' in
 * ASCII, outside the int4 range of the `hashtext()` keys the registry locks artifacts with.
 */
export const MIGRATION_LOCK_KEY = 0x4d474d4947524154n;

/**
 * Applies the migrations on a PostgreSQL server, on one connection of its own that holds
 * `pg_advisory_lock(MIGRATION_LOCK_KEY)` throughout: replicas starting at once against an empty
 * database would otherwise both run them (and one fail on the tables the other created). The one
 * that waited finds them applied and does nothing. The lock goes with the connection, so a process
 * that dies holding it does not block the others.
 */
export async function migratePostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {}); // a broken connection fails the query in progress; nothing else to do
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY.toString()]);
    try {
      await migrateNodePg(drizzleNodePg(client), { migrationsFolder: MIGRATIONS_DIR });
    } finally {
      await client
        .query('select pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY.toString()])
        .catch(() => {}); // ending the connection below releases it anyway
    }
  } finally {
    await client.end();
  }
}

/** Embedded databases whose thread was started ahead (startEmbeddedDatabase), by data directory. */
const started = new Map<string, Promise<PgliteThreadClient>>();

async function openEmbedded(dataDir: string): Promise<PgliteThreadClient> {
  const dir = path.join(dataDir, 'pg');
  await mkdir(dir, { recursive: true });
  if (!existsSync(path.join(dir, 'PG_VERSION'))) {
    if (existsSync(path.join(PGLITE_TEMPLATE, 'PG_VERSION')))
      await cp(PGLITE_TEMPLATE, dir, { recursive: true });
    else await initPgliteDir(dir, MIGRATIONS_DIR);
  }
  return PgliteThreadClient.open(dir, MIGRATIONS_DIR);
}

function takeEmbedded(dataDir: string): Promise<PgliteThreadClient> {
  const key = path.resolve(dataDir);
  const ahead = started.get(key);
  started.delete(key);
  return ahead ?? openEmbedded(dataDir);
}

/**
 * Starts opening the embedded database in `dataDir` (its thread, PGlite, migrations) so that it
 * runs while the caller loads the rest of the server; the next openDatabase() on that directory
 * takes it. main.ts calls it before importing the server's modules: the two overlap on two cores.
 */
export function startEmbeddedDatabase(dataDir: string): void {
  const key = path.resolve(dataDir);
  if (started.has(key)) return;
  const opening = openEmbedded(dataDir);
  opening.catch(() => {}); // the error reaches openDatabase(), which awaits the same promise
  started.set(key, opening);
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    const pool = new pg.Pool({ connectionString: options.url, max: 10, Client: TracedClient });
    pool.on('error', (err) => options.onIdleError?.(err));
    const db = drizzleNodePg(pool, { schema });
    try {
      await migratePostgres(options.url);
    } catch (err) {
      await pool.end();
      throw err;
    }
    return {
      db: db as unknown as Db,
      kind: 'postgres',
      copyBinary: async (target, data) => {
        const client = await pool.connect();
        try {
          const copy = client.query(copyFrom(`copy ${target} from stdin with (format binary)`));
          await pipeline(Readable.from([data]), copy);
          client.release();
        } catch (err) {
          client.release(err as Error); // a connection left mid-COPY is not reused
          throw err;
        }
      },
      ping: async () => {
        await db.execute(sql`select 1`);
      },
      close: () => pool.end(),
    };
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
