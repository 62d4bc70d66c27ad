/**
 * Opening the embedded database: its thread, PGlite and the migrations check, with an empty data
 * directory first copied from the build's template (or, without one, initialised by a short-lived
 * worker). Kept apart from database.ts, which loads Drizzle and the schema, so main.ts can start it
 * before it imports anything else.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { MIGRATIONS_DIR } from './migrations-dir.js';
import { initPgliteDir, PgliteThreadClient } from './pglite-client.js';
import { PGLITE_TEMPLATE } from './pglite-template.js';

/**
 * Copies the template's ~1,100 files (40 MB): `copyFile` (the kernel's copy) eight at a time.
 * fs.cp took 0.6 s of wall and CPU time for it on Node 20 (a JavaScript walk with several stat
 * calls a file), this ~0.2 s. The template holds only directories and regular files.
 */
export async function copyTemplate(from: string, to: string): Promise<void> {
  const dirs = new Set([to]);
  const files: string[] = [];
  for (const entry of await readdir(from, { recursive: true, withFileTypes: true })) {
    // `parentPath` from Node 20.12; `path` (its older name) on 20.11.
    const rel = path.relative(from, path.join(entry.parentPath ?? entry.path, entry.name));
    if (entry.isDirectory()) dirs.add(path.join(to, rel));
    else files.push(rel);
  }
  for (const d of [...dirs].sort()) await mkdir(d, { recursive: true });
  let next = 0;
  const copyNext = async (): Promise<void> => {
    for (let f = files[next++]; f !== undefined; f = files[next++])
      await copyFile(path.join(from, f), path.join(to, f));
  };
  await Promise.all(Array.from({ length: 8 }, copyNext));
}

/** Embedded databases whose thread was started ahead (startEmbeddedDatabase), by data directory. */
const started = new Map<string, Promise<PgliteThreadClient>>();

async function openEmbedded(dataDir: string): Promise<PgliteThreadClient> {
  const dir = path.join(dataDir, 'pg');
  await mkdir(dir, { recursive: true });
  if (!existsSync(path.join(dir, 'PG_VERSION'))) {
    if (existsSync(path.join(PGLITE_TEMPLATE, 'PG_VERSION'))) await copyTemplate(PGLITE_TEMPLATE, dir);
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
