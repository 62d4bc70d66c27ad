// The catalog: every registered model as a card, with its task, latest version, aliases and tags;
// searched, filtered by task and tag, and sorted.

import type { ModelList, ModelSummary } from '@modelgarden/sdk';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import type { ApiError } from '../api/api-error';
import { catalogApi } from '../api/catalog';
import { queryKeys } from '../api/queries';
import { AliasBadge } from '../components/alias-badge';
import { buttonClass } from '../components/button';
import { CatalogFilters, SORTS, useCatalogView } from '../components/catalog-filters';
import { ErrorAlert } from '../components/error-alert';
import { PageHeader } from '../components/page-header';
import { Spinner } from '../components/spinner';
import { formatDate } from '../lib/format';
import { taskLabels } from '../lib/task';

function ModelCard({ model }: { model: ModelSummary }) {
  const aliases = Object.entries(model.aliases).sort(([a], [b]) =>
    a === 'production' ? -1 : b === 'production' ? 1 : a.localeCompare(b),
  );
  return (
    <li data-testid="model-card" data-model={model.name}>
      <Link
        to={`/models/${encodeURIComponent(model.name)}`}
        className="flex h-full flex-col rounded-xl border border-slate-200 bg-white p-5 shadow-sm transition hover:border-emerald-300 hover:shadow-md focus-visible:outline-2 focus-visible:outline-emerald-600"
      >
        <div className="flex items-start justify-between gap-3">
          <h2 className="font-mono text-base font-semibold text-slate-900">{model.name}</h2>
          {model.latestVersion !== null && (
            <span className="shrink-0 rounded-md bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-600">
              latest v{model.latestVersion}
            </span>
          )}
        </div>
        <p className="mt-1 text-xs font-medium text-emerald-700">
          {model.task ? taskLabels[model.task] : 'No version yet'}
        </p>
        <p className="mt-3 line-clamp-3 flex-1 text-sm text-slate-600">
          {model.description ?? <span className="text-slate-400">No description.</span>}
        </p>
        {Object.keys(model.tags).length > 0 && (
          <ul className="mt-3 flex flex-wrap gap-1" aria-label={`Tags of ${model.name}`}>
            {Object.entries(model.tags).map(([key, value]) => (
              <li key={key} className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-600">
                {value ? `${key}:${value}` : key}
              </li>
            ))}
          </ul>
        )}
        <div className="mt-4 flex flex-wrap items-center gap-1.5">
          {aliases.map(([alias, version]) => (
            <AliasBadge key={alias} alias={alias} version={version} />
          ))}
          <span className="ml-auto text-xs text-slate-400">
            {model.versionCount} version{model.versionCount === 1 ? '' : 's'} · updated{' '}
            {formatDate(model.updatedAt)}
          </span>
        </div>
      </Link>
    </li>
  );
}

function EmptyCatalog() {
  return (
    <div className="rounded-xl border-2 border-dashed border-slate-300 bg-white px-6 py-14 text-center">
      <h2 className="text-base font-semibold text-slate-900">No models yet</h2>
      <p className="mt-1 text-sm text-slate-500">Upload an ONNX file to register your first model.</p>
      <Link to="/upload" className={buttonClass('primary', 'mt-5')}>
        Upload model
      </Link>
    </div>
  );
}

export function CatalogPage() {
  const [view, setView] = useCatalogView();
  const filtered = view.q !== '' || view.task !== '' || view.tag !== '';
  const models = useQuery<ModelList, ApiError>({
    queryKey: [...queryKeys.models, 'search', { q: view.q, task: view.task, tag: view.tag }],
    queryFn: () => catalogApi.search({ q: view.q, task: view.task || undefined, tag: view.tag }),
    placeholderData: keepPreviousData,
  });
  const sorted = models.data ? [...models.data.models].sort(SORTS[view.sort].compare) : [];
  return (
    <>
      <PageHeader
        title="Models"
        subtitle="Registered ONNX models, ready to serve over HTTP."
        actions={
          <Link to="/upload" className={buttonClass('primary')} data-testid="upload-model-link">
            Upload model
          </Link>
        }
      />
      {(filtered || (models.data?.total ?? 0) > 0) && <CatalogFilters view={view} onChange={setView} />}
      {models.isPending && <Spinner label="Loading models" />}
      {models.isError && (
        <ErrorAlert error={models.error} title="Could not load the models" onRetry={() => models.refetch()} />
      )}
      {models.data &&
        (models.data.total === 0 && !filtered ? (
          <EmptyCatalog />
        ) : sorted.length === 0 ? (
          <p className="text-sm text-slate-500" data-testid="no-match">
            No model matches these filters.
          </p>
        ) : (
          <>
            <p className="mb-3 text-sm text-slate-500" data-testid="catalog-count">
              {models.data.total} model{models.data.total === 1 ? '' : 's'}
              {filtered ? ' match' : ''}
              {models.data.total > sorted.length ? ` (showing the first ${sorted.length})` : ''}
            </p>
            <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" aria-label="Models">
              {sorted.map((model) => (
                <ModelCard key={model.name} model={model} />
              ))}
            </ul>
          </>
        ))}
    </>
  );
}
