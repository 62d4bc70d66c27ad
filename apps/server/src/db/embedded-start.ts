/**
 * Opening the embedded database: its thread, PGlite and the migrations check, with an empty data
 * directory first copied from the build's template (or, without one, initialised by a short-lived
 * worker). Kept apart from database.ts, which loads Drizzle and the schema, so main.ts can start it
 * before it imports anything else.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { MIGRATIONS_DIR } from './migrations-dir.js';
import { initPgliteDir, PgliteThreadClient } from './pglite-client.js';
import { PGLITE_TEMPLATE } from './pglite-template.js';

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

/** The database startEmbeddedDatabase() began opening in `dataDir`, or a new opening. */
export function takeEmbedded(dataDir: string): Promise<PgliteThreadClient> {
  const key = path.resolve(dataDir);
  const ahead = started.get(key);
  started.delete(key);
  return ahead ?? openEmbedded(dataDir);
}

/**
 * Starts opening the embedded database in `dataDir` (its thread, PGlite, migrations) so that it
 * runs while the caller loads the rest of the server; the next openDatabase() on that directory
 * takes it. main.ts calls it before importing the server's modules: the two overlap on two cores,
 * and this module imports little, so the thread starts within milliseconds of the process.
 */
export function startEmbeddedDatabase(dataDir: string): void {
  const key = path.resolve(dataDir);
  if (started.has(key)) return;
  const opening = openEmbedded(dataDir);
  opening.catch(() => {}); // the error reaches openDatabase(), which awaits the same promise
  started.set(key, opening);
}
