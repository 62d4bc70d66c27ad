/**
 * A plain Okapi BM25 (k1 = 1.2, b = 0.75) over chunks held in memory: lower-cased alphanumeric
 * tokens, no stemming, no stop words, no field weights. It is the yardstick the evaluation puts our
 * full-text search next to, not a search path of the server.
 */

export interface Bm25Doc {
  id: number;
  text: string;
}

const tokens = (text: string): string[] => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

export class Bm25 {
  private readonly docs: Array<{ id: number; tf: Map<string, number>; length: number }>;
  private readonly df = new Map<string, number>();
  private readonly avgLength: number;

  constructor(
    docs: readonly Bm25Doc[],
    private readonly k1 = 1.2,
    private readonly b = 0.75,
  ) {
    this.docs = docs.map((d) => {
      const tf = new Map<string, number>();
      const words = tokens(d.text);
      for (const w of words) tf.set(w, (tf.get(w) ?? 0) + 1);
      for (const w of tf.keys()) this.df.set(w, (this.df.get(w) ?? 0) + 1);
      return { id: d.id, tf, length: words.length };
    });
    this.avgLength = this.docs.reduce((s, d) => s + d.length, 0) / Math.max(1, this.docs.length);
  }

  /** The ids of the best `k` documents for the query, best first. */
  search(query: string, k: number): number[] {
    const n = this.docs.length;
    const terms = [...new Set(tokens(query))];
    const scored: Array<{ id: number; score: number }> = [];
    for (const d of this.docs) {
      let score = 0;
      for (const t of terms) {
        const f = d.tf.get(t);
        if (!f) continue;
        const df = this.df.get(t)!;
        const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
        score +=
          (idf * f * (this.k1 + 1)) / (f + this.k1 * (1 - this.b + (this.b * d.length) / this.avgLength));
      }
      if (score > 0) scored.push({ id: d.id, score });
    }
    return scored
      .sort((a, b) => b.score - a.score || a.id - b.id)
      .slice(0, k)
      .map((s) => s.id);
  }
}
