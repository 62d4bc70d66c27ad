/**
 * A user's question as search terms. An AND of every word of a question usually matches nothing, so
 * search ORs its terms (each one weighted by how rare it is). Code-like tokens keep their inner
 * punctuation (`max-upload-mb`, `MAX_UPLOAD_MB`, `config.ts`, `apps/server`), lose the leading dashes
 * of a flag (`--flag` would read as "not flag" to websearch_to_tsquery) and are quoted, so PostgreSQL's
 * parser sees each as it sees it in the text: a hyphenated word is matched as the phrase of its parts.
 */

const EDGE_PUNCTUATION = /^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu;

/** The distinct terms of a query, in order, each safe to quote for websearch_to_tsquery. */
export function queryTerms(query: string, max = 32): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of query.split(/\s+/)) {
    const term = raw.replace(/["\\]/g, '').replace(EDGE_PUNCTUATION, '');
    const key = term.toLowerCase();
    if (term === '' || seen.has(key)) continue;
    seen.add(key);
    out.push(`"${term}"`);
    if (out.length === max) break;
  }
  return out;
}
