// The catalog's search box, task and tag filters and sort order, kept in the URL so a view can be
// shared and survives a reload.

import type { ModelSummary, Task } from '@modelgarden/sdk';
import { useSearchParams } from 'react-router-dom';
import { taskLabels } from '../lib/task';
import { inputClass, selectClass } from './field';
import { TaskOptions } from './task-options';

export const SORTS = {
  name: { label: 'Name (A–Z)', compare: (a: ModelSummary, b: ModelSummary) => a.name.localeCompare(b.name) },
  updated: {
    label: 'Recently updated',
    compare: (a: ModelSummary, b: ModelSummary) => b.updatedAt.localeCompare(a.updatedAt),
  },
  created: {
    label: 'Newest',
    compare: (a: ModelSummary, b: ModelSummary) => b.createdAt.localeCompare(a.createdAt),
  },
  versions: {
    label: 'Most versions',
    compare: (a: ModelSummary, b: ModelSummary) =>
      b.versionCount - a.versionCount || a.name.localeCompare(b.name),
  },
} as const;

export type SortKey = keyof typeof SORTS;

export interface CatalogView {
  q: string;
  task: Task | '';
  tag: string;
  sort: SortKey;
}

const isTask = (value: string | null): value is Task => value !== null && value in taskLabels;
const isSort = (value: string | null): value is SortKey => value !== null && value in SORTS;

/** The catalog's view from the URL, and a setter that writes it back (defaults left out). */
export function useCatalogView(): [CatalogView, (patch: Partial<CatalogView>) => void] {
  const [params, setParams] = useSearchParams();
  const task = params.get('task');
  const sort = params.get('sort');
  const view: CatalogView = {
    q: params.get('q') ?? '',
    task: isTask(task) ? task : '',
    tag: params.get('tag') ?? '',
    sort: isSort(sort) ? sort : 'name',
  };
  const update = (patch: Partial<CatalogView>) => {
    const next = { ...view, ...patch };
    const query = new URLSearchParams();
    if (next.q) query.set('q', next.q);
    if (next.task) query.set('task', next.task);
    if (next.tag) query.set('tag', next.tag);
    if (next.sort !== 'name') query.set('sort', next.sort);
    setParams(query, { replace: true });
  };
  return [view, update];
}

export function CatalogFilters({
  view,
  onChange,
}: {
  view: CatalogView;
  onChange: (p: Partial<CatalogView>) => void;
}) {
  return (
    <search className="mb-6 grid gap-3 sm:grid-cols-[2fr_1fr_1fr_1fr]" aria-label="Find models">
      <label className="block text-sm font-medium text-slate-700">
        Search
        <input
          type="search"
          value={view.q}
          placeholder="Name or description"
          onChange={(e) => onChange({ q: e.target.value })}
          className={inputClass}
        />
      </label>
      <label className="block text-sm font-medium text-slate-700">
        Task
        <select
          value={view.task}
          onChange={(e) => onChange({ task: e.target.value as Task | '' })}
          className={`${selectClass} w-full`}
        >
          <option value="">Any task</option>
          <TaskOptions />
        </select>
      </label>
      <label className="block text-sm font-medium text-slate-700">
        Tag
        <input
          value={view.tag}
          placeholder="key or key:value"
          onChange={(e) => onChange({ tag: e.target.value })}
          className={inputClass}
        />
      </label>
      <label className="block text-sm font-medium text-slate-700">
        Sort by
        <select
          value={view.sort}
          onChange={(e) => onChange({ sort: e.target.value as SortKey })}
          className={`${selectClass} w-full`}
        >
          {(Object.keys(SORTS) as SortKey[]).map((key) => (
            <option key={key} value={key}>
              {SORTS[key].label}
            </option>
          ))}
        </select>
      </label>
    </search>
  );
}
