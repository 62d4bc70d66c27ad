/** The databases the registry contract runs on: embedded PGlite, and a PostgreSQL server when TEST_DATABASE_URL is set. */
import { type Database, openDatabase } from '../db/database.js';
import { createScratchDatabase, serverDatabases } from './server-databases.js';

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
      const scratch = await createScratchDatabase(serverUrl, 'modelgarden_test');
      const database = await openDatabase({ url: scratch.url, dataDir: '' });
      return {
        database,
        async cleanup() {
          await database.close();
          await scratch.drop();
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
