/**
 * SQL only through the query builder: Drizzle's sql`` template sends every interpolated value as a
 * bound parameter, so the risks are sql.raw and string-built queries handed to a driver. None exist outside db/sql-literals.ts (checked uuid and integer literals, tested there).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '..');

async function sourceFiles(): Promise<string[]> {
  const entries = await readdir(SRC, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => path.join(e.parentPath, e.name))
    .filter((f) => !f.includes(`${path.sep}test-support${path.sep}`));
}

describe('SQL usage', () => {
  it('builds no query from strings: no sql.raw, no driver query with an interpolated template', async () => {
    const offenders: string[] = [];
    for (const file of await sourceFiles()) {
      const text = await readFile(file, 'utf8');
      const rel = path.relative(SRC, file);
      // db/sql-literals.ts is the one audited exception: checked uuid and integer literals only.
      if (/\bsql\.raw\s*\(/.test(text) && rel !== path.join('db', 'sql-literals.ts'))
        offenders.push(`${rel}: sql.raw`);
      if (/\.(query|exec|unsafe)\(\s*`[^`]*\$\{/.test(text))
        offenders.push(`${rel}: driver query built from a template`);
      if (/\.(query|exec)\(\s*['"][^'"]*['"]\s*\+/.test(text))
        offenders.push(`${rel}: driver query built by concatenation`);
    }
    expect(offenders).toEqual([]);
  });

  it('scans the files that do use SQL', async () => {
    const files = await sourceFiles();
    const withSql = [];
    for (const f of files) if ((await readFile(f, 'utf8')).includes('sql`')) withSql.push(f);
    expect(withSql.length).toBeGreaterThan(3);
  });
});
