/**
 * The demo knowledge base: on first start, the project's own `docs/` become the public collection
 * `docs`, so search works out of the box (and `bench/retrieval-questions.jsonl` evaluates it).
 * A collection of that name that already exists is left alone.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Principal } from '../auth/principal.js';
import type { RetrievalService } from './retrieval-service.js';

export const DEMO_COLLECTION = 'docs';

/** The seed acts as the system, which owns nothing and belongs to no team. */
const SYSTEM: Principal = { kind: 'bootstrap', scopes: ['admin'] };

/** Creates `docs` from every markdown file under `docsDir` (recursively); returns how many it queued. */
export async function seedDocsCollection(retrieval: RetrievalService, docsDir: string): Promise<number> {
  if (await retrieval.collections.byName(DEMO_COLLECTION)) return 0;
  const files = (await readdir(docsDir, { recursive: true })).filter((f) => f.endsWith('.md')).sort();
  if (files.length === 0) return 0;
  await retrieval.create(SYSTEM, { name: DEMO_COLLECTION });
  for (const file of files) {
    const bytes = await readFile(path.join(docsDir, file));
    await retrieval.upload(SYSTEM, DEMO_COLLECTION, file.split(path.sep).join('/'), bytes);
  }
  return files.length;
}
