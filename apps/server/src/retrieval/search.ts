/**
 * Search over a collection's chunks. Full text: each query term (query-terms.ts) becomes its own
 * tsquery; a chunk's score is the sum, over the terms it matches, of the term's BM25 inverse document
 * frequency in this collection times PostgreSQL's cover-density rank of that term in the chunk
 * (`ts_rank_cd`, headings weighted 1.0 against the text's 0.4, saturating). With an embeddings model
 * the query is embedded too, chunks are ranked by cosine similarity to it, and the two rankings are
 * fused by reciprocal rank (k = 60). Vectors are ranked exactly, in SQL over the stored arrays (no
 * pgvector index: see docs/retrieval.md).
 */
import { sql } from 'drizzle-orm';
import type { SearchResult } from '../contract/retrieval-schemas.js';
import type { Db } from '../db/database.js';
import { queryTerms } from './query-terms.js';

/** ts_rank_cd's weights for D, C, B (the text) and A (the heading path). */
const WEIGHTS = '{0.1, 0.2, 0.4, 1.0}';
/** ts_rank_cd normalisation: 1 divides by 1 + log(length), 32 maps rank r to r / (r + 1). */
const NORMALIZATION = 1 | 32;
const RRF_K = 60;

type Row = Record<string, unknown>;
const rowsOf = (result: unknown): Row[] => (result as { rows: Row[] }).rows;

export interface RankedChunk extends SearchResult {
  id: number;
}

function toResult(r: Row): RankedChunk {
  return {
    id: Number(r.id),
    documentId: String(r.document_id),
    documentName: String(r.document_name),
    chunkIndex: Number(r.chunk_index),
    heading: String(r.heading),
    text: String(r.text),
    score: Number(r.score),
  };
}

/** Full-text search: the OR of the query's terms, each weighted by its rarity. */
export async function searchFullText(
  db: Db,
  collectionId: string,
  query: string,
  k: number,
): Promise<RankedChunk[]> {
  const terms = queryTerms(query);
  if (terms.length === 0) return [];
  const result = await db.execute(sql`
    with total as (
      select count(*)::float8 as n from chunks where collection_id = ${collectionId}
    ), terms as (
      select distinct on (q::text) q from (
        select websearch_to_tsquery('english', t) as q from jsonb_array_elements_text(${JSON.stringify(terms)}::jsonb) t
      ) x where numnode(q) > 0
    ), weighted as (
      select terms.q, ln(1 + (total.n - d.df + 0.5) / (d.df + 0.5)) as idf
      from terms, total,
        lateral (select count(*)::float8 as df from chunks c where c.collection_id = ${collectionId} and c.tsv @@ terms.q) d
      where d.df > 0
    ), scored as (
      select c.id, sum(w.idf * ts_rank_cd(${WEIGHTS}::float4[], c.tsv, w.q, ${NORMALIZATION})) as score
      from chunks c join weighted w on c.tsv @@ w.q
      where c.collection_id = ${collectionId}
      group by c.id
      order by score desc, c.id
      limit ${k}
    )
    select c.id, c.document_id, d.name as document_name, c.chunk_index, c.heading, c.text, s.score
    from scored s join chunks c on c.id = s.id join documents d on d.id = c.document_id
    order by s.score desc, c.id`);
  return rowsOf(result).map(toResult);
}

/** The plain AND of every word (plainto_tsquery), ranked by ts_rank_cd: the baseline to beat. */
export async function searchAllWords(
  db: Db,
  collectionId: string,
  query: string,
  k: number,
): Promise<RankedChunk[]> {
  const result = await db.execute(sql`
    select c.id, c.document_id, d.name as document_name, c.chunk_index, c.heading, c.text,
      ts_rank_cd(c.tsv, q) as score
    from chunks c join documents d on d.id = c.document_id, plainto_tsquery('english', ${query}) q
    where c.collection_id = ${collectionId} and c.tsv @@ q
    order by score desc, c.id
    limit ${k}`);
  return rowsOf(result).map(toResult);
}

/** Chunks by cosine similarity to a vector, computed exactly over the stored arrays. */
export async function searchVector(
  db: Db,
  collectionId: string,
  vector: number[],
  k: number,
): Promise<RankedChunk[]> {
  const literal = `{${vector.map((v) => (Number.isFinite(v) ? v : 0)).join(',')}}`;
  const result = await db.execute(sql`
    with q as (select ${literal}::float4[] as v),
    qn as (select sqrt(sum(x * x)) as n from q, unnest(q.v) x),
    scored as (
      select c.id,
        (select sum(a * b) from unnest(c.embedding, q.v) as t(a, b))
          / nullif((select sqrt(sum(a * a)) from unnest(c.embedding) a) * qn.n, 0) as score
      from chunks c, q, qn
      where c.collection_id = ${collectionId} and c.embedding is not null
    )
    select c.id, c.document_id, d.name as document_name, c.chunk_index, c.heading, c.text, s.score
    from scored s join chunks c on c.id = s.id join documents d on d.id = c.document_id
    where s.score is not null
    order by s.score desc, c.id
    limit ${k}`);
  return rowsOf(result).map(toResult);
}

/** Reciprocal rank fusion: each list adds 1 / (60 + rank) to a chunk's score. */
export function fuse(lists: RankedChunk[][], k: number): RankedChunk[] {
  const byId = new Map<number, { chunk: RankedChunk; score: number }>();
  for (const list of lists)
    list.forEach((chunk, rank) => {
      const entry = byId.get(chunk.id) ?? { chunk, score: 0 };
      entry.score += 1 / (RRF_K + rank + 1);
      byId.set(chunk.id, entry);
    });
  return [...byId.values()]
    .sort((a, b) => b.score - a.score || a.chunk.id - b.chunk.id)
    .slice(0, k)
    .map((e) => ({ ...e.chunk, score: e.score }));
}
