// A passage with the query's words marked. The text is split into plain and matching pieces that React
// renders as text nodes and <mark>s, so markup inside a document stays text (never innerHTML).

/** PostgreSQL's English stopwords (what full-text search ignores, so nothing it matched on). */
const STOPWORDS = new Set(
  `i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her
hers herself it its itself they them their theirs themselves what which who whom this that these those
am is are was were be been being have has had having do does did doing a an the and but if or because
as until while of at by for with about against between into through during before after above below to
from up down in out on off over under again further then once here there when where why how all any
both each few more most other some such no nor not only own same so than too very s t can will just
don should now`.split(/\s+/),
);

/** The query's words, lowercased, without stopwords; leading dashes dropped (`--max-upload-mb`). */
export function queryTerms(query: string): string[] {
  const words = query.toLowerCase().match(/[\p{L}\p{N}_][\p{L}\p{N}_.-]*/gu) ?? [];
  const terms = words.map((w) => w.replace(/[.-]+$/, '')).filter((w) => w.length > 1 && !STOPWORDS.has(w));
  return [...new Set(terms)];
}

/** A word's stem for matching, as full-text search matches `uploads` for `upload` and back. */
function stem(term: string): string {
  if (term.length <= 4 || /[^\p{L}]/u.test(term)) return term;
  return term.replace(/(?:ing|ed|es|s)$/, '');
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export interface Piece {
  text: string;
  hit: boolean;
}

/**
 * Splits `text` into pieces, `hit` for each word that starts with one of the terms' stems.
 * @example split('Uploads go here', ['upload']) → [{ 'Uploads', hit }, { ' go here' }]
 */
export function splitByTerms(text: string, terms: string[]): Piece[] {
  if (terms.length === 0) return [{ text, hit: false }];
  const stems = [...new Set(terms.map(stem))].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}_])(?:${stems.join('|')})[\\p{L}\\p{N}_]*`, 'giu');
  const pieces: Piece[] = [];
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) pieces.push({ text: text.slice(last, match.index), hit: false });
    pieces.push({ text: match[0], hit: true });
    last = match.index + match[0].length;
  }
  if (last < text.length) pieces.push({ text: text.slice(last), hit: false });
  return pieces;
}

export function Highlighted({ text, terms }: { text: string; terms: string[] }) {
  let offset = 0;
  return (
    <>
      {splitByTerms(text, terms).map((piece) => {
        const key = offset;
        offset += piece.text.length;
        return piece.hit ? (
          <mark key={key} className="rounded-sm bg-amber-200 px-0.5 text-slate-900">
            {piece.text}
          </mark>
        ) : (
          <span key={key}>{piece.text}</span>
        );
      })}
    </>
  );
}
