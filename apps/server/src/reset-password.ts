/**
 * `modelgarden users reset-password <name> --data-dir …`: sets a password straight in the database
 * (for a lost admin password), with the server stopped — PGlite allows one process at a time.
 */

import { eq } from 'drizzle-orm';
import { UserService } from './auth/user-service.js';
import { sessions } from './db/auth-schema.js';
import { openDatabase } from './db/database.js';
import { configFromOptions, type StartOptions } from './server.js';

export async function resetPasswordInDatabase(
  options: Pick<StartOptions, 'dataDir' | 'databaseUrl' | 'env'>,
  name: string,
  password?: string,
): Promise<{ user: { name: string; role: string }; password?: string }> {
  const config = configFromOptions(options);
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    const result = await new UserService(database.db).setPassword(name, password);
    await database.db.delete(sessions).where(eq(sessions.userId, result.user.id));
    return result;
  } finally {
    await database.close();
  }
}
