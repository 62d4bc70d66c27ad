// A passage with what the search matched marked. The server says where (`highlights`: PostgreSQL's
// own matches, as [start, end) offsets into the text); the text is split at those offsets into plain
// and marked pieces that React renders as text nodes and <mark>s, so markup inside a document stays
// text (never innerHTML).

export interface Piece {
  text: string;
  hit: boolean;
}

/**
 * Splits `text` at sorted, non-overlapping `ranges`; a range outside the text or overlapping the one
 * before is dropped rather than trusted.
 * @example splitAt('Uploads go here', [[0, 7]]) → [{ 'Uploads', hit }, { ' go here' }]
 */
export function splitAt(text: string, ranges: ReadonlyArray<readonly [number, number]>): Piece[] {
  const pieces: Piece[] = [];
  let last = 0;
  for (const [start, end] of ranges) {
    if (start < last || end <= start || end > text.length) continue;
    if (start > last) pieces.push({ text: text.slice(last, start), hit: false });
    pieces.push({ text: text.slice(start, end), hit: true });
    last = end;
  }
  if (last < text.length || pieces.length === 0) pieces.push({ text: text.slice(last), hit: false });
  return pieces;
}

export function Highlighted({
  text,
  ranges,
}: {
  text: string;
  ranges: ReadonlyArray<readonly [number, number]>;
}) {
  let offset = 0;
  return (
    <>
      {splitAt(text, ranges).map((piece) => {
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
