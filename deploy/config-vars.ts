/** The environment variables the server reads, taken from the zod schema in config.ts (one source). */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const REPO = path.resolve(import.meta.dirname, '..');

export function configEnvVars(): Set<string> {
  const source = readFileSync(path.join(REPO, 'apps/server/src/config/config.ts'), 'utf8');
  const schema = /const envSchema = z\.object\(\{([\s\S]*?)\n\}\);/.exec(source)?.[1];
  if (!schema) throw new Error('envSchema not found in config.ts');
  return new Set([...schema.matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1]!));
}
