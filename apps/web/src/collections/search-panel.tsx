// The collection's search box: the top passages for a question, each with its document, passage
// number, heading and score, what the search matched marked in the text (the server's highlights).

import type { SearchResult } from '@modelgarden/sdk';
import { type FormEvent, useState } from 'react';
import { Button } from '../components/button';
import { ErrorAlert } from '../components/error-alert';
import { inputClass, selectClass } from '../components/field';
import { useSearch } from './collections-api';
import { Highlighted } from './highlight';

function Passage({ result }: { result: SearchResult }) {
  return (
    <li
      className="rounded-lg border border-slate-200 bg-slate-50/60 px-4 py-3"
      data-testid="search-result"
      data-document={result.documentName}
      data-chunk={result.chunkIndex}
    >
      <div className="flex flex-wrap items-baseline justify-between gap-2 text-xs text-slate-500">
        <span>
          <span className="font-mono font-medium text-slate-800" data-testid="result-document">
            {result.documentName}
          </span>{' '}
          · passage <span data-testid="result-chunk">{result.chunkIndex}</span>
        </span>
        <span className="font-mono tabular-nums" title="Relevance score" data-testid="result-score">
          score {result.score.toFixed(3)}
        </span>
      </div>
      {result.heading && (
        <p className="mt-1 text-xs font-medium text-slate-600" data-testid="result-heading">
          <Highlighted text={result.heading} ranges={result.headingHighlights} />
        </p>
      )}
      <p
        className="mt-1.5 text-sm leading-relaxed whitespace-pre-wrap text-slate-800"
        data-testid="result-text"
      >
        <Highlighted text={result.text} ranges={result.highlights} />
      </p>
    </li>
  );
}

export function SearchPanel({ collection }: { collection: string }) {
  const search = useSearch(collection);
  const [query, setQuery] = useState('');
  const [k, setK] = useState(5);

  function submit(event: FormEvent) {
    event.preventDefault();
    if (query.trim() !== '') search.mutate({ query: query.trim(), k });
  }

  return (
    <div className="space-y-4">
      <search aria-label={`Search ${collection}`}>
        <form onSubmit={submit} className="flex items-end gap-3">
          <label className="block min-w-0 flex-1 text-sm font-medium text-slate-700">
            Question
            <input
              type="search"
              className={inputClass}
              value={query}
              onChange={(e) => setQuery(e.target.value)}
              placeholder="Ask the way you would ask a colleague"
              maxLength={2000}
            />
          </label>
          <label className="block text-sm font-medium text-slate-700">
            Passages
            <select className={selectClass} value={k} onChange={(e) => setK(Number(e.target.value))}>
              {[3, 5, 10, 20].map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
          <Button type="submit" disabled={search.isPending || query.trim() === ''}>
            Search
          </Button>
        </form>
      </search>
      {search.error && <ErrorAlert error={search.error} title="The search failed" />}
      {search.data && search.data.results.length === 0 && (
        <p className="text-sm text-slate-500" data-testid="search-empty">
          No passage matches “{search.variables?.query}”.
        </p>
      )}
      {search.data && search.data.results.length > 0 && (
        <>
          <p className="text-xs text-slate-500" data-testid="search-mode">
            {search.data.results.length} passage{search.data.results.length === 1 ? '' : 's'} ·{' '}
            {search.data.mode === 'hybrid' ? 'full text + embeddings' : 'full-text search'}
          </p>
          <ol className="space-y-3" aria-label="Passages found">
            {search.data.results.map((r) => (
              <Passage key={`${r.documentId}:${r.chunkIndex}`} result={r} />
            ))}
          </ol>
        </>
      )}
    </div>
  );
}
