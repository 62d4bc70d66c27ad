/**
 * A deterministic stand-in for an embeddings model, for fake upstreams: a hashed bag of words.
 * Each lower-cased word (a crude plural `s` dropped) adds ±1 to one of `dimensions` buckets chosen
 * by its FNV-1a hash; the vector is normalised to length 1. Texts sharing words point the same way,
 * so cosine ranking behaves like a lexical search with no idf — it carries no meaning beyond words.
 */
export function bagOfWordsEmbedding(text: string, dimensions = 256): number[] {
  const v = new Array<number>(dimensions).fill(0);
  for (const raw of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    const word = raw.length > 3 && raw.endsWith('s') ? raw.slice(0, -1) : raw;
    let h = 0x811c9dc5;
    for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193) >>> 0;
    v[h % dimensions]! += h & 0x80000000 ? -1 : 1;
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}
