/**
 * First start: a database without users gets `admin` with a random password, written to
 * `<dataDir>/initial-admin-password` (mode 0600) and returned so the caller can print it once.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { UserService } from './user-service.js';

export const INITIAL_ADMIN_FILE = 'initial-admin-password';

export async function createInitialAdmin(
  users: UserService,
  dataDir: string,
): Promise<{ password: string; file: string } | undefined> {
  const password = await users.ensureInitialAdmin();
  if (!password) return undefined;
  await mkdir(dataDir, { recursive: true });
  const file = path.join(dataDir, INITIAL_ADMIN_FILE);
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return { password, file };
}
