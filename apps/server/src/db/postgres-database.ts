/**
 * The database on a PostgreSQL server (DATABASE_URL): a node-postgres pool driven through Drizzle,
 * migrations applied on open under an advisory lock. Its own module so that node-postgres loads only
 * when a server is configured (database.ts imports it then).
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sql } from 'drizzle-orm';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { tracingActive } from '../observability/tracing.js';
import type { Database, Db } from './database.js';
import { MIGRATIONS_DIR } from './migrations-dir.js';
import { traced } from './query-spans.js';
import { schema } from './schema.js';

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

/** Opens the pool and applies the migrations; a failed migration ends the pool. */
export async function openPostgres(url: string, onIdleError?: (err: Error) => void): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10, Client: TracedClient });
  pool.on('error', (err) => onIdleError?.(err));
  const db = drizzleNodePg(pool, { schema });
  try {
    await migratePostgres(url);
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
