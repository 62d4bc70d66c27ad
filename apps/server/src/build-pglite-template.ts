/**
 * Build step (`npm run build`): initialises an embedded database, applies the migrations and writes
 * it as the tarball a first start restores (db/pglite-template.ts).
 */
import { writeFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { MIGRATIONS_DIR } from './db/database.js';
import { PGLITE_TEMPLATE } from './db/pglite-template.js';

const pg = new PGlite();
await migrate(drizzle(pg), { migrationsFolder: MIGRATIONS_DIR });
const dump = await pg.dumpDataDir('gzip');
await pg.close();
await writeFile(PGLITE_TEMPLATE, Buffer.from(await dump.arrayBuffer()));
