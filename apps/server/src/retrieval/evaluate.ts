/**
 * Retrieval quality, measured: for each question, the rank of the first passage containing every
 * expected substring (case-insensitive), as recall@1, recall@5 and MRR (over the first 10), for the
 * server's search, a plain BM25 over the same chunks, and the plain AND-of-every-word query.
 */
import { eq } from 'drizzle-orm';
import type { EvalQuestion, EvalResponse, EvalScores } from '../contract/retrieval-schemas.js';
import type { Db } from '../db/database.js';
import { chunks } from '../db/retrieval-schema.js';
import { Bm25 } from './bm25.js';

const DEPTH = 10;

interface Passage {
  id: number;
  heading: string;
  text: string;
}

/** A method: the ids of its best passages for a question, best first. */
export type Ranker = (question: string, k: number) => Promise<number[]>;

function answers(passage: Passage, expected: string[]): boolean {
  const hay = `${passage.heading}\n${passage.text}`.toLowerCase();
  return expected.every((e) => hay.includes(e.toLowerCase()));
}

export async function score(
  method: string,
  ranker: Ranker,
  questions: EvalQuestion[],
  passages: Map<number, Passage>,
): Promise<EvalScores> {
  let at1 = 0;
  let at5 = 0;
  let rr = 0;
  for (const q of questions) {
    const ids = await ranker(q.question, DEPTH);
    const rank = ids.findIndex((id) => {
      const p = passages.get(id);
      return p !== undefined && answers(p, q.expected);
    });
    if (rank === 0) at1++;
    if (rank >= 0 && rank < 5) at5++;
    if (rank >= 0) rr += 1 / (rank + 1);
  }
  const n = questions.length;
  const round = (x: number) => Math.round((x / n) * 1000) / 1000;
  return { method, recallAt1: round(at1), recallAt5: round(at5), mrr: round(rr) };
}

/** Every method over one collection's chunks. `rankers` are the server's searches, by name. */
export async function evaluate(
  db: Db,
  collectionId: string,
  questions: EvalQuestion[],
  rankers: Array<[string, Ranker]>,
): Promise<EvalResponse> {
  const rows = await db
    .select({ id: chunks.id, heading: chunks.heading, text: chunks.text })
    .from(chunks)
    .where(eq(chunks.collectionId, collectionId));
  const passages = new Map(rows.map((r) => [r.id, r]));
  const bm25 = new Bm25(rows.map((r) => ({ id: r.id, text: `${r.heading}\n${r.text}` })));
  const methods: EvalScores[] = [];
  for (const [name, ranker] of [
    ...rankers,
    ['bm25', async (q: string, k: number) => bm25.search(q, k)] as const,
  ])
    methods.push(await score(name, ranker, questions, passages));
  return { questions: questions.length, chunks: rows.length, methods };
}
