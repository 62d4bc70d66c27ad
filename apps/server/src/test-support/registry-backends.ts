/** The databases the registry contract runs on: embedded PGlite, and a PostgreSQL server when TEST_DATABASE_URL is set. */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { type Database, openDatabase } from '../db/database.js';

export interface Backend {
  name: string;
  open(dataDir: string): Promise<{ database: Database; cleanup(): Promise<void> }>;
}

export const backends: Backend[] = [
  {
    name: 'PGlite',
    async open(dataDir) {
      const database = await openDatabase({ dataDir });
      return { database, cleanup: () => database.close() };
    },
  },
];

const serverUrl = process.env.TEST_DATABASE_URL;

/** A fresh database on the TEST_DATABASE_URL server (for a whole server's `DATABASE_URL`), dropped by `drop`. */
export async function createServerDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!serverUrl) throw new Error('TEST_DATABASE_URL is not set');
  const dbName = `modelgarden_test_${randomUUID().replaceAll('-', '')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  const url = new URL(serverUrl);
  url.pathname = `/${dbName}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.query(`drop database ${dbName} with (force)`);
      await admin.end();
    },
  };
}

/** Where a whole test server keeps its data: its own PGlite, or (with TEST_DATABASE_URL) a server database. */
export const serverBackends: Array<{
  name: string;
  open(): Promise<{ env: Record<string, string>; drop(): Promise<void> }>;
}> = [{ name: 'PGlite', open: async () => ({ env: {}, drop: async () => {} }) }];

if (serverUrl) {
  backends.push({
    name: 'PostgreSQL server',
    async open() {
      const created = await createServerDatabase();
      const database = await openDatabase({ url: created.url, dataDir: '' });
      return {
        database,
        async cleanup() {
          await database.close();
          await created.drop();
        },
      };
    },
  });
  serverBackends.push({
    name: 'PostgreSQL server',
    async open() {
      const created = await createServerDatabase();
      return { env: { DATABASE_URL: created.url }, drop: created.drop };
    },
  });
}
