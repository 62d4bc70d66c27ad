/** The databases the registry contract runs on: embedded PGlite, and a PostgreSQL server when TEST_DATABASE_URL is set. */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { type Database, openDatabase } from '../db/database.js';
import { serverDatabases } from './server-databases.js';

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
if (serverUrl) {
  backends.push({
    name: 'PostgreSQL server',
    async open() {
      const dbName = `modelgarden_test_${randomUUID().replaceAll('-', '')}`;
      const admin = new pg.Client({ connectionString: serverUrl });
      await admin.connect();
      await admin.query(`create database ${dbName}`);
      const url = new URL(serverUrl);
      url.pathname = `/${dbName}`;
      const database = await openDatabase({ url: url.toString(), dataDir: '' });
      return {
        database,
        async cleanup() {
          await database.close();
          await admin.query(`drop database ${dbName} with (force)`);
          await admin.end();
        },
      };
    },
  });
}

/** Whole-server suites' databases (server-databases.ts), for the suites that name their clean-up `drop`. */
export const serverBackends = serverDatabases.map((d) => ({
  name: d.name,
  async open(): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
    const opened = await d.open();
    return { env: opened.env, drop: opened.close };
  },
}));
