/** Where Drizzle's generated migrations live (src/ and dist/ sit at the same depth). */
import path from 'node:path';

export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '..', '..', 'drizzle');
