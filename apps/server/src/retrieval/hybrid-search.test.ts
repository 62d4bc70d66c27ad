/**
 * Embeddings and hybrid search over a real server: with RETRIEVAL_EMBEDDING_MODEL naming a model of
 * the LLM gateway (a fake OpenAI upstream answering hashed bags of words), uploaded chunks are
 * embedded through the gateway and search fuses full text with vector ranking. On PGlite the vectors
 * are ranked through the collection's pgvector HNSW index (the plan says so); on a PostgreSQL server
 * without the `vector` extension they are ranked exactly, and the log says why.
 */

import { sql } from 'drizzle-orm';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bagOfWordsEmbedding } from '../test-support/bag-of-words.js';
import { type FakeLlm, startFakeOpenAI } from '../test-support/fake-llm/index.js';
import { serverDatabases } from '../test-support/server-databases.js';
import { multipart, startTestServer, type TestServer } from '../test-support/test-server.js';
import { rowsOf, searchVector } from './search.js';
import { hnswQuery, indexName } from './vector-index.js';

const ADMIN_KEY = 'bootstrap-admin-key-for-hybrid-search-tests-0123';
const DIMENSIONS = 256;

const GUIDE = `# Installing

Run \`npm install\` and then \`npm start\`. The server listens on port 8080.

# Backups

Copy the data directory while the server is stopped; the embedded database lives in DATA_DIR/pg.

# Upgrades

Stop the old release, start the new one: migrations run by themselves on the first start.
`;

describe.each(serverDatabases)('hybrid search on $name', (database) => {
  let server: TestServer;
  let fake: FakeLlm;
  let drop: () => Promise<void>;
  const logs: string[] = [];
  const as = (opts: InjectOptions) =>
    server.app.inject({ ...opts, headers: { authorization: `Bearer ${ADMIN_KEY}`, ...opts.headers } });
  const db = () => server.context.database.db;

  beforeAll(async () => {
    fake = await startFakeOpenAI({ embed: (text) => bagOfWordsEmbedding(text, DIMENSIONS) });
    const opened = await database.open();
    drop = opened.close;
    server = await startTestServer({
      seedDemoModels: false,
      logLevel: 'info',
      logDestination: { write: (line: string) => void logs.push(line) },
      env: {
        ...opened.env,
        MODELGARDEN_ADMIN_KEY: ADMIN_KEY,
        OPENAI_BASE_URL: fake.url,
        OPENAI_API_KEY: 'sk-fake',
        RETRIEVAL_EMBEDDING_MODEL: 'openai/fake-embed',
      },
    });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await fake?.close();
    await drop?.();
  });

  it('embeds the chunks through the gateway and searches hybrid', async () => {
    const created = await as({ method: 'POST', url: '/api/collections', payload: { name: 'handbook' } });
    expect(created.json()).toMatchObject({ name: 'handbook', embeddingModel: 'openai/fake-embed' });
    const up = await as({
      method: 'POST',
      url: '/api/collections/handbook/documents',
      ...multipart([{ name: 'file', filename: 'guide.md', data: GUIDE }]),
    });
    expect(up.statusCode).toBe(202);
    await vi.waitFor(
      async () =>
        expect((await as({ url: `/api/collections/handbook/documents/${up.json().id}` })).json().status).toBe(
          'ready',
        ),
      { timeout: 60_000, interval: 100 },
    );
    const embedded = rowsOf(
      await db().execute(sql`select array_length(embedding, 1) as n from chunks order by chunk_index`),
    );
    expect(embedded.map((r) => Number(r.n))).toEqual([DIMENSIONS, DIMENSIONS, DIMENSIONS]);
    // the passages were embedded in one call, and every query is embedded too
    expect(fake.requestsTo('embeddings').length).toBe(1);

    const found = await as({
      method: 'POST',
      url: '/api/collections/handbook/search',
      payload: { query: 'how do I back up the data directory', k: 3 },
    });
    expect(found.json().mode).toBe('hybrid');
    expect(found.json().results[0]).toMatchObject({ heading: 'guide.md › Backups' });
    expect(fake.requestsTo('embeddings').length).toBe(2);
    expect((fake.requestsTo('embeddings')[1]!.body as { input: string[] }).input).toEqual([
      'how do I back up the data directory',
    ]);
  });

  it('ranks vectors in the HNSW index where pgvector is, and says so in the log where it is not', async () => {
    const support = await server.context.retrieval.vectorSupport();
    const [collection] = rowsOf(await db().execute(sql`select id from collections where name = 'handbook'`));
    const id = String(collection!.id);
    const available = rowsOf(
      await db().execute(sql`select 1 from pg_available_extensions where name = 'vector'`),
    );
    if (available.length === 0) {
      expect(support).toEqual({
        kind: 'exact',
        reason: 'the vector extension (pgvector) is not installed on this PostgreSQL server',
      });
      // in memory, the same ranking as the SQL over the stored arrays
      const query = bagOfWordsEmbedding('copy the data directory while stopped', DIMENSIONS);
      const ref = {
        id,
        name: 'handbook',
        ownerId: null,
        visibility: 'public',
        team: null,
        embeddingModel: 'x',
      } as const;
      const inMemory = await server.context.retrieval.nearest(ref, query, 3);
      const inSql = await searchVector(db(), id, query, 3);
      expect(inMemory.map((c) => c.id)).toEqual(inSql.map((c) => c.id));
      expect(inMemory[0]?.score).toBeCloseTo(inSql[0]!.score, 5);
      expect(inMemory[0]?.heading).toBe('guide.md › Backups');
      const line = logs.find((l) => l.includes('embeddings are ranked exactly'));
      expect(JSON.parse(line!)).toMatchObject({
        level: 40, // warn
        msg: 'knowledge bases: no pgvector, embeddings are ranked exactly over the stored vectors',
      });
      return;
    }
    expect(support.kind).toBe('hnsw');
    expect(logs.some((l) => l.includes('embeddings in pgvector HNSW indexes'))).toBe(true);
    const indexes = rowsOf(
      await db().execute(sql`select indexname from pg_indexes where tablename = 'chunks'`),
    );
    expect(indexes.map((r) => r.indexname)).toContain(indexName(id));
    // Three chunks are too few for the planner to prefer any index; with sorting off it can only
    // serve ORDER BY distance LIMIT k from an ordered index scan, and the collection's HNSW index is one.
    const plan = await db().transaction(async (tx) => {
      await tx.execute(sql`set local enable_sort = off`);
      return rowsOf(
        await tx.execute(sql`explain ${hnswQuery(id, bagOfWordsEmbedding('backups', DIMENSIONS), 3)}`),
      );
    });
    expect(plan.map((r) => String(r['QUERY PLAN'])).join('\n')).toContain(
      `Index Scan using ${indexName(id)}`,
    );
    // deleting the collection drops its index
    expect((await as({ method: 'DELETE', url: '/api/collections/handbook' })).statusCode).toBe(204);
    const after = rowsOf(
      await db().execute(sql`select indexname from pg_indexes where tablename = 'chunks'`),
    );
    expect(after.map((r) => r.indexname)).not.toContain(indexName(id));
  });
});
