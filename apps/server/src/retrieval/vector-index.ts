/**
 * Where embeddings are ranked. With pgvector (PGlite: the `@electric-sql/pglite-pgvector` extension
 * the database thread loads; a PostgreSQL server: the `vector` extension where it is installed) each
 * embedded collection gets a partial HNSW index (cosine) over its chunks' `embedding::vector(n)`, and
 * search asks that index. Without it — or for vectors wider than HNSW takes (2,000) — chunks are
 * ranked exactly in SQL over the stored `real[]` arrays (search.ts `searchVector`). The vectors are
 * stored as `real[]` either way, so a server that gains the extension later only needs its indexes.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { integerLiteral, uuidLiteral } from '../db/sql-literals.js';
import { type RankedChunk, rowsOf, searchVector, toResult } from './search.js';

/** pgvector's HNSW index takes `vector` columns of at most this many dimensions. */
export const HNSW_MAX_DIMENSIONS = 2000;

export type VectorSupport = { kind: 'hnsw'; version: string } | { kind: 'exact'; reason: string };

/** Creates the `vector` extension when the database offers it; says why not otherwise. */
export async function detectVectorSupport(db: Db): Promise<VectorSupport> {
  const available = rowsOf(
    await db.execute(sql`select default_version from pg_available_extensions where name = 'vector'`),
  );
  if (available.length === 0)
    return {
      kind: 'exact',
      reason: 'the vector extension (pgvector) is not installed on this PostgreSQL server',
    };
  try {
    await db.execute(sql`create extension if not exists vector`);
  } catch (err) {
    return {
      kind: 'exact',
      reason: `create extension vector failed: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  const [row] = rowsOf(await db.execute(sql`select extversion from pg_extension where extname = 'vector'`));
  return { kind: 'hnsw', version: String(row?.extversion ?? 'unknown') };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function checked(collectionId: string, dimensions: number): void {
  if (!UUID.test(collectionId) || !Number.isInteger(dimensions) || dimensions < 1)
    throw new Error(`bad vector index arguments ${collectionId} ${dimensions}`);
}

/** The partial index of one collection (its name holds the collection id). */
export const indexName = (collectionId: string) => `chunks_hnsw_${collectionId.replaceAll('-', '')}`;

/**
 * The collection's HNSW index over `embedding::vector(dimensions)`, created when missing. The
 * collection id is written into the statement (a uuid from our own table) because a partial index
 * is used only for a predicate the planner can prove from the query's text.
 */
export async function ensureHnswIndex(db: Db, collectionId: string, dimensions: number): Promise<void> {
  checked(collectionId, dimensions);
  await db.execute(
    sql`create index if not exists ${sql.identifier(indexName(collectionId))} on chunks
      using hnsw ((embedding::vector(${integerLiteral(dimensions)})) vector_cosine_ops)
      where collection_id = ${uuidLiteral(collectionId)}`,
  );
}

export async function dropHnswIndex(db: Db, collectionId: string): Promise<void> {
  if (UUID.test(collectionId))
    await db.execute(sql`drop index if exists ${sql.identifier(indexName(collectionId))}`);
}

/** The statement of an HNSW search (also EXPLAINed by the tests). */
export function hnswQuery(collectionId: string, vector: number[], k: number) {
  checked(collectionId, vector.length);
  const literal = `[${vector.map((v) => (Number.isFinite(v) ? v : 0)).join(',')}]`;
  const dimensions = integerLiteral(vector.length);
  const expr = sql`(c.embedding::vector(${dimensions}))`;
  const q = sql`${literal}::vector(${dimensions})`;
  return sql`
    with near as (
      select c.id, ${expr} <=> ${q} as distance
      from chunks c
      where c.collection_id = ${uuidLiteral(collectionId)} and c.embedding is not null
      order by ${expr} <=> ${q}
      limit ${k}
    )
    select c.id, c.document_id, d.name as document_name, c.chunk_index, c.heading, c.text,
      1 - n.distance as score
    from near n join chunks c on c.id = n.id join documents d on d.id = c.document_id
    order by n.distance, c.id`;
}

/** The collection's chunks nearest to `vector` by cosine, through its HNSW index (approximate). */
export async function searchHnsw(
  db: Db,
  collectionId: string,
  vector: number[],
  k: number,
): Promise<RankedChunk[]> {
  return rowsOf(await db.execute(hnswQuery(collectionId, vector, k))).map(toResult);
}

interface Loaded {
  version: string;
  ids: number[];
  dimensions: number;
  /** Row-major vectors, each divided by its length (cosine = dot product). */
  unit: Float32Array;
}

/**
 * Exact cosine ranking where pgvector is missing, in this process's memory: a collection's vectors
 * are read once (again when its chunk count or newest chunk changes — another replica's ingestion
 * shows the same way) and each query is a scan of a Float32Array, not a SQL aggregate per chunk.
 * A collection of more than `maxFloats` numbers is ranked in SQL instead (search.ts searchVector).
 */
export class ExactVectors {
  private readonly loaded = new Map<string, Loaded>();

  constructor(
    private readonly db: Db,
    private readonly maxFloats = 16_000_000,
  ) {}

  async nearest(collectionId: string, vector: number[], k: number): Promise<RankedChunk[]> {
    const [state] = rowsOf(
      await this.db.execute(
        sql`select count(*)::int as n, coalesce(max(id), 0)::text as newest from chunks where collection_id = ${collectionId} and embedding is not null`,
      ),
    );
    const count = Number(state?.n ?? 0);
    if (count === 0) return [];
    if (count * vector.length > this.maxFloats) return searchVector(this.db, collectionId, vector, k);
    const version = `${count}/${String(state?.newest)}`;
    let entry = this.loaded.get(collectionId);
    if (entry?.version !== version) {
      entry = await this.load(collectionId, version);
      this.loaded.set(collectionId, entry);
    }
    const best = topByCosine(entry, vector, k);
    if (best.length === 0) return [];
    const rows = rowsOf(
      await this.db.execute(sql`
        select c.id, c.document_id, d.name as document_name, c.chunk_index, c.heading, c.text
        from chunks c join documents d on d.id = c.document_id
        where c.id = any(${`{${best.map((b) => b.id).join(',')}}`}::bigint[])`),
    );
    const byId = new Map(rows.map((r) => [Number(r.id), r]));
    return best.flatMap((b) => {
      const r = byId.get(b.id);
      return r ? [toResult({ ...r, score: b.score })] : [];
    });
  }

  private async load(collectionId: string, version: string): Promise<Loaded> {
    const rows = rowsOf(
      await this.db.execute(
        sql`select id, embedding from chunks where collection_id = ${collectionId} and embedding is not null order by id`,
      ),
    );
    const dimensions = (rows[0]?.embedding as number[] | undefined)?.length ?? 0;
    const usable = rows.filter((r) => (r.embedding as number[]).length === dimensions);
    const unit = new Float32Array(usable.length * dimensions);
    usable.forEach((r, i) => {
      const v = r.embedding as number[];
      const norm = Math.hypot(...v) || 1;
      for (let d = 0; d < dimensions; d++) unit[i * dimensions + d] = v[d]! / norm;
    });
    return { version, ids: usable.map((r) => Number(r.id)), dimensions, unit };
  }

  /** Forgets a collection's vectors (it was deleted). */
  forget(collectionId: string): void {
    this.loaded.delete(collectionId);
  }
}

function topByCosine(entry: Loaded, vector: number[], k: number): Array<{ id: number; score: number }> {
  const { dimensions, unit, ids } = entry;
  if (vector.length !== dimensions) return [];
  const norm = Math.hypot(...vector) || 1;
  const q = Float32Array.from(vector, (x) => (Number.isFinite(x) ? x / norm : 0));
  const best: Array<{ id: number; score: number }> = [];
  for (let i = 0; i < ids.length; i++) {
    let dot = 0;
    const base = i * dimensions;
    for (let d = 0; d < dimensions; d++) dot += q[d]! * unit[base + d]!;
    if (best.length === k && dot <= best[k - 1]!.score) continue;
    let at = best.length;
    while (at > 0 && best[at - 1]!.score < dot) at--;
    best.splice(at, 0, { id: ids[i]!, score: dot });
    if (best.length > k) best.pop();
  }
  return best;
}
