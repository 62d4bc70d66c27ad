/**
 * Build step (`npm run build`): initialises an embedded database in dist/pglite-template and applies
 * the migrations; a first start copies that directory (db/pglite-template.ts).
 */
import { rm } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { MIGRATIONS_DIR } from './db/database.js';
import { PGLITE_TEMPLATE } from './db/pglite-template.js';

await rm(PGLITE_TEMPLATE, { recursive: true, force: true });
const pg = new PGlite(PGLITE_TEMPLATE);
await migrate(drizzle(pg), { migrationsFolder: MIGRATIONS_DIR });
await pg.close();
