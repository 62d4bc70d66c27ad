// The prediction-log browser: filters, paging, CSV export, and the model's logging settings.

import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { Card } from '../components/card';
import { ErrorAlert } from '../components/error-alert';
import { PageHeader } from '../components/page-header';
import { Spinner } from '../components/spinner';
import { formatDate } from '../lib/format';
import { observabilityApi, type PredictionFilter } from './api';
import { LoggingSettings } from './logging-settings';

export function PredictionsPage() {
  const { name = '' } = useParams();
  const [filter, setFilter] = useState<PredictionFilter>({});
  const [draft, setDraft] = useState({ label: '', version: '' });
  const log = useInfiniteQuery({
    queryKey: ['predictions', name, filter],
    queryFn: ({ pageParam }) => observabilityApi.predictions(name, { ...filter, cursor: pageParam }),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const rows = log.data?.pages.flatMap((p) => p.items) ?? [];
  const apply = (e: React.FormEvent) => {
    e.preventDefault();
    setFilter({
      label: draft.label.trim() || undefined,
      version: draft.version ? Number(draft.version) : undefined,
    });
  };
  return (
    <div data-testid="predictions-page">
      <PageHeader
        title={`Prediction log · ${name}`}
        subtitle="Sampled inputs and outputs of this model's predictions (image requests keep summary statistics, never pixels)."
        actions={
          <>
            <a
              href={observabilityApi.csvUrl(name, filter)}
              className="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50"
              data-testid="export-csv"
            >
              Export CSV
            </a>
            <Link
              to={`/models/${encodeURIComponent(name)}/drift`}
              className="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50"
            >
              Drift
            </Link>
          </>
        }
      />
      <Card title="Settings" className="mb-4">
        <LoggingSettings name={name} />
      </Card>
      <Card>
        <form onSubmit={apply} className="mb-4 flex flex-wrap items-end gap-3 text-sm">
          <label className="flex flex-col gap-1">
            Label
            <input
              value={draft.label}
              onChange={(e) => setDraft({ ...draft, label: e.target.value })}
              className="rounded border border-slate-300 px-2 py-1"
              data-testid="filter-label"
            />
          </label>
          <label className="flex flex-col gap-1">
            Version
            <input
              value={draft.version}
              inputMode="numeric"
              onChange={(e) => setDraft({ ...draft, version: e.target.value.replace(/\D/g, '') })}
              className="w-20 rounded border border-slate-300 px-2 py-1"
            />
          </label>
          <button
            type="submit"
            className="rounded-md bg-emerald-600 px-3 py-1.5 font-medium text-white hover:bg-emerald-700"
          >
            Filter
          </button>
        </form>
        {log.isPending && <Spinner label="Loading predictions" />}
        {log.isError && <ErrorAlert error={log.error} />}
        {log.data && rows.length === 0 && (
          <p className="text-sm text-slate-500">No logged predictions match.</p>
        )}
        {rows.length > 0 && (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm" data-testid="predictions-table">
              <thead className="text-xs uppercase text-slate-500">
                <tr>
                  <th className="py-2 pr-4">Time</th>
                  <th className="py-2 pr-4">Version</th>
                  <th className="py-2 pr-4">Inputs</th>
                  <th className="py-2 pr-4">Prediction</th>
                  <th className="py-2 pr-4">Latency</th>
                  <th className="py-2">Request</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {rows.map((r) => (
                  <tr key={r.id}>
                    <td className="py-2 pr-4 whitespace-nowrap">{formatDate(r.createdAt)}</td>
                    <td className="py-2 pr-4">v{r.version}</td>
                    <td className="py-2 pr-4 font-mono text-xs">
                      {r.features
                        ? Object.entries(r.features)
                            .map(([k, v]) => `${k}=${v}`)
                            .join(' ')
                        : r.imageStats
                          ? `image ${r.imageStats.width}×${r.imageStats.height}, mean ${r.imageStats.mean?.toFixed(1)}`
                          : '—'}
                    </td>
                    <td className="py-2 pr-4">
                      {r.output.label ?? r.output.value}
                      {r.output.probability !== undefined && (
                        <span className="text-slate-500"> ({(r.output.probability * 100).toFixed(1)}%)</span>
                      )}
                    </td>
                    <td className="py-2 pr-4">{r.latencyMs.toFixed(1)} ms</td>
                    <td className="py-2 font-mono text-xs text-slate-500">{r.requestId.slice(0, 8)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {log.hasNextPage && (
          <button
            type="button"
            onClick={() => log.fetchNextPage()}
            disabled={log.isFetchingNextPage}
            className="mt-4 rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50"
          >
            {log.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </button>
        )}
      </Card>
    </div>
  );
}
