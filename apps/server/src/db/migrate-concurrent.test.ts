/**
 * Migrations under concurrent start, on a PostgreSQL server (runs when TEST_DATABASE_URL is set):
 * two replicas opening an empty database at once both succeed, each migration is recorded once,
 * and the advisory lock is free afterwards.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, openDatabase } from './database.js';
import { MIGRATION_LOCK_KEY, migratePostgres } from './postgres-database.js';

const serverUrl = process.env.TEST_DATABASE_URL;

/** Creates an empty database for one test; `drop` removes it. */
async function freshDatabase(): Promise<{ url: string; admin: pg.Client; drop(): Promise<void> }> {
  const dbName = `mg_migrate_${randomUUID().replaceAll('-', '')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  const url = new URL(serverUrl!);
  url.pathname = `/${dbName}`;
  return {
    url: url.toString(),
    admin,
    async drop() {
      await admin.query(`drop database ${dbName} with (force)`);
      await admin.end();
    },
  };
}

async function query<T>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}

async function journalTags(): Promise<string[]> {
  const journal = JSON.parse(await readFile(path.join(MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8')) as {
    entries: Array<{ tag: string }>;
  };
  return journal.entries.map((e) => e.tag);
}

describe.runIf(serverUrl)('migrations on a PostgreSQL server under concurrent start', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  });

  it('two replicas opening an empty database at once both succeed, and each migration is applied once', async () => {
    const db = await freshDatabase();
    cleanups.push(db.drop);
    const opened = await Promise.all([0, 1].map(() => openDatabase({ url: db.url, dataDir: '' })));
    cleanups.push(async () => {
      for (const d of opened) await d.close();
    });
    for (const d of opened) await d.ping();

    const tags = await journalTags();
    const applied = await query<{ hash: string; created_at: string }>(
      db.url,
      'select hash, created_at from drizzle.__drizzle_migrations order by id',
    );
    expect(applied).toHaveLength(tags.length);
    expect(new Set(applied.map((r) => r.hash)).size).toBe(tags.length);
    const tables = await query<{ n: number }>(
      db.url,
      `select count(*)::int as n from information_schema.tables where table_schema = 'public' and table_name = 'models'`,
    );
    expect(tables[0]!.n).toBe(1);
  });

  it('several concurrent runs on an empty database all succeed, and release the lock', async () => {
    const db = await freshDatabase();
    cleanups.push(db.drop);
    await Promise.all([0, 1, 2].map(() => migratePostgres(db.url)));
    const applied = await query<{ n: number }>(
      db.url,
      'select count(*)::int as n from drizzle.__drizzle_migrations',
    );
    expect(applied[0]!.n).toBe((await journalTags()).length);
    // Free again: another session takes it at once.
    const [taken] = await query<{ locked: boolean }>(
      db.url,
      'select pg_try_advisory_lock($1::bigint) as locked',
      [MIGRATION_LOCK_KEY.toString()],
    );
    expect(taken!.locked).toBe(true);
  });

  it('waits for a lock held elsewhere, then finds nothing left to do', async () => {
    const db = await freshDatabase();
    cleanups.push(db.drop);
    await migratePostgres(db.url);
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    cleanups.push(() => holder.end());
    await holder.query('select pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY.toString()]);
    let done = false;
    const waiting = migratePostgres(db.url).then(() => {
      done = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(done).toBe(false);
    await holder.query('select pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY.toString()]);
    await waiting;
    expect(done).toBe(true);
  });
});
