/**
 * `npm run bench -- retrieval`: knowledge-base ingestion and search at 10k chunks, on the embedded
 * database and (with BENCH_DATABASE_URL or TEST_DATABASE_URL) a PostgreSQL server. The corpus is the
 * project's docs/ paragraphs shuffled into generated markdown documents (each paragraph tagged so
 * none is a duplicate) until they make about BENCH_RETRIEVAL_CHUNKS chunks (default 10,000).
 * Ingestion: every document uploaded through RetrievalService (extraction in the call), then the
 * worker drained (chunking, embedding with the hashed bag of words a fake upstream would answer, 256
 * dimensions, computed in-process, and the inserts with their tsvector and vector index); MB/min of
 * uploaded bytes. Search: the shipped questions (bench/retrieval-questions.jsonl), BENCH_ROUNDS
 * rounds (default 5) after one warm-up round, per method — our full text, the plain AND query, the
 * plain BM25 of the evaluation (in memory, in JS) and hybrid (query embedding + full text + vectors
 * through the HNSW index, or exact where pgvector is missing, fused) — p50/p99 in ms.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import type { Principal } from '../apps/server/src/auth/principal.js';
import { openDatabase } from '../apps/server/src/db/database.js';
import { chunks } from '../apps/server/src/db/retrieval-schema.js';
import { Bm25 } from '../apps/server/src/retrieval/bm25.js';
import { RetrievalService } from '../apps/server/src/retrieval/retrieval-service.js';
import { searchAllWords, searchFullText } from '../apps/server/src/retrieval/search.js';
import { bagOfWordsEmbedding } from '../apps/server/src/test-support/bag-of-words.js';
import { REPO } from './lib/models.js';
import { print } from './lib/report.js';
import { withServerDatabase } from './lib/server-database.js';

const ADMIN: Principal = { kind: 'bootstrap', scopes: ['admin'] };
const COLLECTION = 'bench';
const DIMENSIONS = 256;

/** Paragraphs of docs/ (headings and code fences left out), in order. */
async function docParagraphs(): Promise<string[]> {
  const dir = path.join(REPO, 'docs');
  const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.md')).sort();
  const out: string[] = [];
  for (const f of files)
    for (const p of (await readFile(path.join(dir, f), 'utf8')).split(/\n\s*\n/))
      if (p.trim() !== '' && !p.startsWith('#') && !p.includes('```')) out.push(p.trim());
  return out;
}

/** Generated markdown documents of ~200 KB holding about `targetChunks` 1,200-character chunks. */
export async function corpus(targetChunks: number): Promise<Array<{ name: string; text: string }>> {
  const paragraphs = await docParagraphs();
  let seed = 42;
  const next = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const docs: Array<{ name: string; text: string }> = [];
  let chars = 0;
  for (let d = 0; chars < targetChunks * 1000; d++) {
    const parts: string[] = [];
    for (let s = 0; s < 40; s++) {
      parts.push(`# Part ${d}.${s}`);
      for (let p = 0; p < 5; p++)
        parts.push(`${paragraphs[Math.floor(next() * paragraphs.length)]} (ref d${d}s${s}p${p})`);
    }
    const text = parts.join('\n\n');
    chars += text.length;
    docs.push({ name: `generated-${d}.md`, text });
  }
  return docs;
}

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

export async function runRetrieval(dir: string): Promise<void> {
  const target = Number(process.env.BENCH_RETRIEVAL_CHUNKS ?? 10_000);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  const docs = await corpus(target);
  const questions = (await readFile(path.join(REPO, 'bench', 'retrieval-questions.jsonl'), 'utf8'))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as { question: string }).question);
  const bytes = docs.reduce((s, d) => s + Buffer.byteLength(d.text), 0);
  print(`## Knowledge bases: ingestion and search at ${target.toLocaleString('en')} chunks\n`);
  print(
    `Corpus: ${docs.length} generated markdown documents, ${(bytes / 1_048_576).toFixed(1)} MB; ${questions.length} questions × ${rounds} rounds per method.\n`,
  );
  const ingestRows: string[] = [];
  const searchRows: string[] = [];

  const run = async (name: string, url: string | undefined) => {
    const database = await openDatabase({ url, dataDir: path.join(dir, `retrieval-${name.length}`) });
    const retrieval = new RetrievalService(database.db, {
      maxDocumentBytes: 50_000_000,
      embeddingModel: 'bench/bag-of-words',
      embed: async (_model, texts) => texts.map((t) => bagOfWordsEmbedding(t, DIMENSIONS)),
    });
    try {
      const support = await retrieval.vectorSupport();
      await retrieval.create(ADMIN, { name: COLLECTION });
      const t0 = performance.now();
      for (const d of docs)
        await retrieval.upload(ADMIN, COLLECTION, d.name, new TextEncoder().encode(d.text));
      const uploaded = performance.now() - t0;
      await retrieval.worker.drain();
      const total = performance.now() - t0;
      const collection = (await retrieval.collections.byName(COLLECTION))!;
      const rows = await database.db
        .select({ id: chunks.id, heading: chunks.heading, text: chunks.text })
        .from(chunks);
      ingestRows.push(
        `| ${name} | ${rows.length.toLocaleString('en')} | ${(bytes / 1_048_576).toFixed(1)} | ${(uploaded / 1000).toFixed(1)} | ${(total / 1000).toFixed(1)} | ${(bytes / 1_048_576 / (total / 60_000)).toFixed(1)} | ${support.kind === 'hnsw' ? `HNSW (pgvector ${support.version})` : 'exact (no pgvector)'} |`,
      );
      const bm25 = new Bm25(rows.map((r) => ({ id: r.id, text: `${r.heading}\n${r.text}` })));
      const methods: Array<[string, (q: string) => Promise<unknown>]> = [
        [
          'fts (ours: BM25 over lexemes, OR of terms)',
          (q) => searchFullText(database.db, collection.id, q, 5),
        ],
        ['all-words (plain AND, ts_rank_cd)', (q) => searchAllWords(database.db, collection.id, q, 5)],
        ['bm25 (plain, in memory, JS)', async (q) => bm25.search(q, 5)],
        [
          `hybrid (fts + ${support.kind === 'hnsw' ? 'HNSW' : 'exact'} vectors, RRF)`,
          (q) => retrieval.search(ADMIN, COLLECTION, q, 5),
        ],
      ];
      for (const [method, search] of methods) {
        for (const q of questions) await search(q); // warm-up
        const samples: number[] = [];
        for (let r = 0; r < rounds; r++)
          for (const q of questions) {
            const s = performance.now();
            await search(q);
            samples.push(performance.now() - s);
          }
        searchRows.push(
          `| ${name} | ${method} | ${samples.length} | ${percentile(samples, 50).toFixed(2)} | ${percentile(samples, 99).toFixed(2)} |`,
        );
      }
      if (support.kind === 'hnsw') {
        const plan = (await database.db.execute(
          sql`explain select id from chunks where collection_id = ${sql.raw(`'${collection.id}'`)} order by (embedding::vector(${sql.raw(String(DIMENSIONS))})) <=> ${`[${bagOfWordsEmbedding('backups', DIMENSIONS).join(',')}]`}::vector(${sql.raw(String(DIMENSIONS))}) limit 20`,
        )) as unknown as { rows: Array<Record<string, string>> };
        const uses = plan.rows.some((r) => String(r['QUERY PLAN']).includes('chunks_hnsw_'));
        searchRows.push(
          `| ${name} | (plan of the vector query uses the HNSW index: ${uses ? 'yes' : 'no'}) | | | |`,
        );
      }
    } finally {
      await retrieval.close();
      await database.close();
    }
  };
  await run('embedded (PGlite worker)', undefined);
  const serverUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (serverUrl)
    await withServerDatabase(serverUrl, 'mg_bench_retrieval', (url) => run('PostgreSQL server', url));
  else ingestRows.push('| PostgreSQL server | skipped: set BENCH_DATABASE_URL | | | | | |');

  print('| Database | Chunks | MB | Upload s | Upload + ingest s | MB/min | Vectors |');
  print('|---|---:|---:|---:|---:|---:|---|');
  for (const r of ingestRows) print(r);
  print('\n| Database | Method | Queries | p50 ms | p99 ms |');
  print('|---|---|---:|---:|---:|');
  for (const r of searchRows) print(r);
  print('');
}
