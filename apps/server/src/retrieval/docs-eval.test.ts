/**
 * The shipped evaluation set (bench/retrieval-questions.jsonl) over the demo collection built from
 * docs/, on PGlite and (with TEST_DATABASE_URL) the PostgreSQL server: prints recall@1, recall@5 and MRR for our search, the AND query and BM25, and
 * holds the targets that are met (bench/RESULTS.md has the figures).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { backends } from '../test-support/registry-backends.js';
import { REPO_ROOT } from '../test-support/test-server.js';
import { RetrievalService } from './retrieval-service.js';
import { DEMO_COLLECTION, seedDocsCollection } from './seed-docs.js';

describe.each(backends)('the shipped evaluation set on $name', (backend) => {
  it('finds the shipped questions in the docs collection', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mg-docs-eval-'));
    const { database, cleanup } = await backend.open(dir);
    const retrieval = new RetrievalService(database.db, { maxDocumentBytes: 50_000_000 });
    try {
      expect(await seedDocsCollection(retrieval, path.join(REPO_ROOT, 'docs'))).toBeGreaterThan(5);
      await retrieval.worker.drain();
      const questions = (await readFile(path.join(REPO_ROOT, 'bench/retrieval-questions.jsonl'), 'utf8'))
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l));
      const result = await retrieval.evaluate(
        { kind: 'bootstrap', scopes: ['admin'] },
        DEMO_COLLECTION,
        questions,
      );
      console.table(result.methods);
      const by = (name: string) => result.methods.find((m) => m.method === name)!;
      const [fts, bm25, allWords] = [by('fts'), by('bm25'), by('all-words')];
      expect(result.questions).toBeGreaterThanOrEqual(40);
      // the targets of issue 16: full text beats a plain BM25 by a clear margin, the AND query scores a fraction
      expect(fts.recallAt1).toBeGreaterThanOrEqual(bm25.recallAt1 + 0.05);
      expect(fts.mrr).toBeGreaterThanOrEqual(bm25.mrr + 0.05);
      expect(fts.recallAt5).toBeGreaterThan(bm25.recallAt5);
      expect(allWords.recallAt5).toBeLessThan(fts.recallAt5 * 0.7);
    } finally {
      await retrieval.close();
      await cleanup();
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
