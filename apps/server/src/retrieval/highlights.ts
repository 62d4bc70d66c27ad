/**
 * What a search matched in each passage it answers, as character ranges (UTF-16 offsets, what
 * `String.prototype.slice` takes) of its text and heading. PostgreSQL says it: its parser splits the
 * text and the `english` configuration's dictionaries lexize each token, as `to_tsvector` indexed
 * it, and a word is a hit when one of its lexemes is one of the query terms that this chunk matched (`tsv @@ term`), so
 * stemming ("ingesting" marks "ingestion") and stop words are PostgreSQL's. The parts of code-like
 * tokens (search-text.ts: `tokensPerDay`, `apps/server`) are lexized the same way and marked where
 * they stand inside the token. Computed for the k answered passages only, in one statement.
 */
import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { queryTerms } from './query-terms.js';
import { rowsOf } from './search.js';
import { codeTokenPartSpans } from './search-text.js';

export type Range = [start: number, end: number];

export interface Highlights {
  highlights: Range[];
  headingHighlights: Range[];
}

/**
 * Tokens the parser also emits as their parts (a hyphenated word, a URL): the parts cover the same
 * characters, so only the parts are laid end to end (ts_headline skips the same ones).
 */
const COMPOUND_TOKENS = ['url', 'numhword', 'asciihword', 'hword'];

type Token = [token: string, lexemes: string[] | null];

/**
 * The ranges of `text` whose lexemes are among `matched`. None when the tokens do not lay end to end
 * into exactly `text` (nothing then points at the wrong characters).
 */
export function rangesOf(
  text: string,
  tokens: Token[] | null,
  matched: Set<string>,
  partLexemes: Record<string, string[]>,
): Range[] {
  if (!tokens || matched.size === 0) return [];
  const hit = (lexemes: string[] | null | undefined) => (lexemes ?? []).some((l) => matched.has(l));
  const ranges: Range[] = [];
  let at = 0;
  for (const [token, lexemes] of tokens) {
    if (text.startsWith(token, at) === false) return [];
    if (hit(lexemes)) ranges.push([at, at + token.length]);
    at += token.length;
  }
  if (at !== text.length) return [];
  for (const { start, end, part } of codeTokenPartSpans(text))
    if (hit(partLexemes[part])) ranges.push([start, end]);
  return merge(ranges);
}

/** Sorted, overlapping ranges joined (a code token's part inside a token marked whole). */
function merge(ranges: Range[]): Range[] {
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: Range[] = [];
  for (const [start, end] of ranges) {
    const last = out.at(-1);
    if (last && start < last[1]) last[1] = Math.max(last[1], end);
    else out.push([start, end]);
  }
  return out;
}

interface Passage {
  id: number;
  text: string;
  heading: string;
}

/** Each passage's highlights for `query`, by chunk id (none for a chunk no term matched). */
export async function highlightsFor(
  db: Db,
  query: string,
  passages: Passage[],
): Promise<Map<number, Highlights>> {
  const out = new Map<number, Highlights>();
  const terms = queryTerms(query);
  if (passages.length === 0) return out;
  const parts = new Set<string>();
  for (const p of passages)
    for (const text of [p.text, p.heading]) for (const { part } of codeTokenPartSpans(text)) parts.add(part);
  // ts_debug's answer (each token with the lexemes of the first of its type's dictionaries that
  // knows it), written out: ts_debug itself takes twice as long.
  const tokensOf = (column: SQL) => sql`(
    select jsonb_agg(jsonb_build_array(p.token, (
      select l from pg_ts_config_map m, ts_lexize(m.mapdict::regdictionary, p.token) l
      where m.mapcfg = 'english'::regconfig and m.maptokentype = p.tokid and l is not null
      order by m.mapseqno limit 1)) order by p.o)
    from ts_parse('default', ${column}) with ordinality p(tokid, token, o)
    where p.tokid not in (select tokid from ts_token_type('default')
      where alias in (select jsonb_array_elements_text(${JSON.stringify(COMPOUND_TOKENS)}::jsonb))))`;
  const result = await db.execute(sql`
    with terms as materialized (
      select websearch_to_tsquery('english', t) as q,
        array(select lexeme from unnest(to_tsvector('english', t))) as lexemes
      from jsonb_array_elements_text(${JSON.stringify(terms)}::jsonb) a(t)
    ), matched as materialized (
      select c.id, array(
        select distinct l from terms, unnest(terms.lexemes) l where numnode(terms.q) > 0 and c.tsv @@ terms.q
      ) as lexemes
      from chunks c
      where c.id in (select x::bigint from jsonb_array_elements_text(${JSON.stringify(passages.map((p) => p.id))}::jsonb) x)
    ), parts as materialized (
      select coalesce(jsonb_object_agg(p, array(select lexeme from unnest(to_tsvector('english', p)))), '{}') as lexemes
      from jsonb_array_elements_text(${JSON.stringify([...parts])}::jsonb) p
    )
    select m.id, to_jsonb(m.lexemes) as matched, parts.lexemes as parts,
      case when cardinality(m.lexemes) > 0 then ${tokensOf(sql`c.text`)} end as text_tokens,
      case when cardinality(m.lexemes) > 0 then ${tokensOf(sql`c.heading`)} end as heading_tokens
    from matched m join chunks c on c.id = m.id, parts`);
  const byId = new Map(passages.map((p) => [p.id, p]));
  for (const row of rowsOf(result)) {
    const passage = byId.get(Number(row.id));
    if (!passage) continue;
    const matched = new Set(row.matched as string[]);
    const partLexemes = row.parts as Record<string, string[]>;
    out.set(passage.id, {
      highlights: rangesOf(passage.text, row.text_tokens as Token[] | null, matched, partLexemes),
      headingHighlights: rangesOf(
        passage.heading,
        row.heading_tokens as Token[] | null,
        matched,
        partLexemes,
      ),
    });
  }
  return out;
}
