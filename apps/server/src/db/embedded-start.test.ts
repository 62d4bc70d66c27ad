import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { copyTemplate } from './embedded-start.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function tree(root: string): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const e of await readdir(root, { recursive: true, withFileTypes: true })) {
    const rel = path.relative(root, path.join(e.parentPath, e.name));
    out[rel] = e.isDirectory() ? null : await readFile(path.join(root, rel), 'utf8');
  }
  return out;
}

test('copies every directory (empty ones too) and file of the template, contents intact', async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mg-template-'));
  const from = path.join(dir, 'template');
  await mkdir(path.join(from, 'base', '1'), { recursive: true });
  await mkdir(path.join(from, 'pg_tblspc'), { recursive: true });
  await writeFile(path.join(from, 'PG_VERSION'), '17\n');
  for (let i = 0; i < 50; i++)
    await writeFile(path.join(from, 'base', '1', String(i)), `page ${i}`.repeat(i));
  const to = path.join(dir, 'data', 'pg');
  await copyTemplate(from, to);
  const copied = await tree(to);
  expect(copied).toEqual(await tree(from));
  expect(copied).toHaveProperty('pg_tblspc', null);
  expect(Object.keys(copied)).toHaveLength(54);
});
