/**
 * Search over a collection's chunks. Full text: each query term (query-terms.ts) becomes its own
 * tsquery, ORed; a chunk's score is BM25 computed over the lexemes PostgreSQL indexed (english
 * stemming and stop words, code-like tokens also split into their words: search-text.ts): the sum,
 * over the terms it matches, of the term's inverse document frequency in this collection times its
 * saturated, length-normalised frequency in the chunk, a heading occurrence counting twice. With an embeddings model
 * the query is embedded too, chunks are ranked by cosine similarity to it, and the two rankings are
 * fused by reciprocal rank (k = 60). Vectors are ranked exactly, in SQL over the stored arrays (no
 * pgvector index: see docs/retrieval.md).
 */
import { sql } from 'drizzle-orm';
import type { SearchResult } from '../contract/retrieval-schemas.js';
import type { Db } from '../db/database.js';
import { queryTerms } from './query-terms.js';

const RRF_K = 60;

export type Row = Record<string, unknown>;
export const rowsOf = (result: unknown): Row[] => (result as { rows: Row[] }).rows;

/** A ranked passage; its highlights are added for the k answered (highlights.ts). */
export interface RankedChunk extends Omit<SearchResult, 'highlights' | 'headingHighlights'> {
  id: number;
}

export function toResult(r: Row): RankedChunk {
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

/** BM25's term-frequency saturation and length normalisation (the usual values, not tuned here). */
const K1 = 1.2;
const B = 0.75;
/** A heading occurrence of a term counts as this many in the text (BM25F's field weight). */
const HEADING_WEIGHT = 2;
/**
 * Chunks scored in full: the ones matching the most (rarest) query terms, by the sum of their idf.
 * Reading a chunk's term frequencies means unpacking its tsvector, so common words would otherwise
 * make every query read most of the collection.
 */
const CANDIDATES = 300;

/**
 * Full-text search: the OR of the query's terms, scored as BM25 over PostgreSQL's own lexemes
 * (english stemming and stop words from `to_tsvector`), with heading occurrences weighted: the
 * CANDIDATES chunks that match the most idf first, then their term frequencies and lengths. A term
 * of several lexemes (`MAX_UPLOAD_MB`, a hyphenated word) matches as PostgreSQL's phrase and counts
 * its rarest lexeme's frequency.
 */
export async function searchFullText(
  db: Db,
  collectionId: string,
  query: string,
  k: number,
): Promise<RankedChunk[]> {
  const terms = queryTerms(query);
  if (terms.length === 0) return [];
  // One branch per term, its tsquery a constant of the statement: the planner then reads each
  // term's chunks from the GIN index instead of testing every chunk against every term.
  const perTerm = sql.join(
    terms.map(
      (t, i) =>
        sql`select ${i}::int as i, c.id from chunks c where c.collection_id = ${collectionId} and c.tsv @@ websearch_to_tsquery('english', ${t})`,
    ),
    sql` union all `,
  );
  const result = await db.execute(sql`
    with stats as materialized (
      select count(*)::float8 as n, greatest(avg(octet_length(text)), 1)::float8 as avglen
      from chunks where collection_id = ${collectionId}
    ), terms as materialized (
      select (x.ord - 1)::int as i, x.q::text as q,
        array(select lexeme from unnest(to_tsvector('english', x.t))) as lexemes
      from (
        select t, ord, websearch_to_tsquery('english', t) as q
        from jsonb_array_elements_text(${JSON.stringify(terms)}::jsonb) with ordinality as a(t, ord)
      ) x where numnode(x.q) > 0
    ), hits_per_term as materialized (
      ${perTerm}
    ), matches as materialized (
      -- two spellings with the same tsquery ("Server", "servers") count once
      select distinct on (t.q, h.id) t.q, t.lexemes, h.id
      from hits_per_term h join terms t on t.i = h.i
    ), weighted as materialized (
      select matches.q, ln(1 + (stats.n - count(*) + 0.5) / (count(*) + 0.5)) as idf
      from matches, stats group by matches.q, stats.n
    ), candidates as materialized (
      select m.id from matches m join weighted w on w.q = m.q
      group by m.id order by sum(w.idf) desc, m.id limit ${CANDIDATES}
    ), hits as materialized (
      select c.id, octet_length(c.text)::float8 as len, w.idf,
        (select min(f) from (
          select sum(case when wt = 'A' then ${HEADING_WEIGHT}::float8 else 1 end) as f
          from unnest(c.tsv) u, unnest(u.weights) wt
          where u.lexeme = any(m.lexemes) group by u.lexeme
        ) per_lexeme) as tf
      from candidates k join matches m on m.id = k.id join weighted w on w.q = m.q
        join chunks c on c.id = k.id
    ), scored as (
      select h.id, sum(h.idf * h.tf * (${K1}::float8 + 1)
        / (h.tf + ${K1}::float8 * (1 - ${B}::float8 + ${B}::float8 * h.len / stats.avglen))) as score
      from hits h, stats
      group by h.id
      order by score desc, h.id
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
