// An answer's sources: the passages retrieved from the conversation's collections, numbered as the
// answer cites them. A marker `[n]` in the answer opens passage n (document name, heading, text); the
// list under the answer names each source and opens it too. Passages are shown as text, never HTML.

import { Link } from 'react-router-dom';
import type { Citation } from './chat-api';

/** The passage's heading path without the document's name it starts with. */
function sectionOf(citation: Citation): string {
  const heading = citation.heading ?? '';
  const prefix = `${citation.documentName} › `;
  return heading.startsWith(prefix)
    ? heading.slice(prefix.length)
    : heading === citation.documentName
      ? ''
      : heading;
}

export function CitationPassage({ citation, onClose }: { citation: Citation; onClose: () => void }) {
  const section = sectionOf(citation);
  return (
    <div
      className="mt-2 rounded-md border border-sky-200 bg-sky-50 p-3 text-xs text-slate-800"
      data-testid="citation-passage"
      id={`citation-${citation.marker}`}
    >
      <div className="flex items-start gap-2">
        <p className="flex-1 font-medium">
          [{citation.marker}] <span data-testid="citation-document">{citation.documentName}</span>
          {section && <span className="font-normal text-slate-500"> › {section}</span>}
          <span className="font-normal text-slate-500">
            {' '}
            in{' '}
            <Link to={`/collections/${encodeURIComponent(citation.collection)}`} className="underline">
              {citation.collection}
            </Link>
            , passage {citation.chunkIndex + 1}
          </span>
        </p>
        <button type="button" className="text-slate-500 hover:text-slate-800" onClick={onClose}>
          Close
        </button>
      </div>
      <blockquote className="mt-2 max-h-60 overflow-y-auto whitespace-pre-wrap border-l-2 border-sky-300 pl-2">
        {citation.text}
      </blockquote>
    </div>
  );
}

/** The numbered list of sources under an answer; `open` is the marker shown, if any. */
export function Citations({
  citations,
  open,
  onOpen,
}: {
  citations: readonly Citation[];
  open: number | null;
  onOpen: (marker: number | null) => void;
}) {
  if (citations.length === 0) return null;
  const shown = citations.find((c) => c.marker === open);
  return (
    <div className="mt-2" data-testid="citations">
      <ol className="flex flex-wrap gap-x-3 gap-y-1 text-xs text-slate-600">
        {citations.map((c) => (
          <li key={c.marker}>
            <button
              type="button"
              className={`underline decoration-dotted ${c.marker === open ? 'text-sky-800' : ''}`}
              title={c.text.slice(0, 300)}
              onClick={() => onOpen(c.marker === open ? null : c.marker)}
              data-testid="citation-source"
            >
              [{c.marker}] {c.documentName}
            </button>
          </li>
        ))}
      </ol>
      {shown && <CitationPassage citation={shown} onClose={() => onOpen(null)} />}
    </div>
  );
}
