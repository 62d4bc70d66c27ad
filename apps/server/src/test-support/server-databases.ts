/**
 * The databases a whole-server suite runs on: the embedded PGlite, and a fresh database on the
 * PostgreSQL server when TEST_DATABASE_URL is set (dropped afterwards). Pass `env` to startTestServer.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';

export interface ServerDatabase {
  name: string;
  /** Environment for startTestServer, and how to drop what it made. */
  open(): Promise<{ env: Record<string, string>; close(): Promise<void> }>;
}

export const serverDatabases: ServerDatabase[] = [
  { name: 'PGlite', open: async () => ({ env: {}, close: async () => {} }) },
];

const serverUrl = process.env.TEST_DATABASE_URL;

/** A fresh database on the PostgreSQL server at TEST_DATABASE_URL, and how to drop it. */
export async function createScratchDatabase(
  serverUrl: string,
  prefix: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const dbName = `${prefix}_${randomUUID().replaceAll('-', '')}`;
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

if (serverUrl) {
  serverDatabases.push({
    name: 'PostgreSQL server',
    async open() {
      const scratch = await createScratchDatabase(serverUrl, 'modelgarden_srv');
      return { env: { DATABASE_URL: scratch.url }, close: scratch.drop };
    },
  });
}
