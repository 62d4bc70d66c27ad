// The table of a model's versions: when, what, how big, how good, and which aliases point at each.

import type { ModelVersion } from '@modelgarden/sdk';
import { formatBytes, formatDate, formatMetric, shortSha } from '../lib/format';
import { AliasBadge } from './alias-badge';
import { TableHead } from './table-head';

interface VersionsTableProps {
  versions: ModelVersion[];
  selected: number;
  onSelect: (version: number) => void;
}

function accuracyOf(version: ModelVersion): string {
  const value = version.metrics.accuracy;
  if (value !== undefined) return formatMetric('accuracy', value);
  const entry = Object.entries(version.metrics).find(([name]) => /acc/i.test(name));
  return entry ? formatMetric(entry[0], entry[1]) : '—';
}

export function VersionsTable({ versions, selected, onSelect }: VersionsTableProps) {
  return (
    <div className="-mx-5 overflow-x-auto">
      <table className="min-w-full text-left text-sm" data-testid="versions-table">
        <TableHead
          columns={[
            'Version',
            'Created',
            'SHA-256',
            'Size',
            'Status',
            'Aliases',
            'Accuracy',
            { label: 'Select', hidden: true },
          ]}
        />
        <tbody className="divide-y divide-slate-100">
          {versions.map((v) => (
            <tr key={v.version} className={v.version === selected ? 'bg-emerald-50/50' : undefined}>
              <td className="px-5 py-2.5 font-semibold text-slate-900">v{v.version}</td>
              <td className="px-3 py-2.5 whitespace-nowrap text-slate-600">{formatDate(v.createdAt)}</td>
              <td className="px-3 py-2.5 font-mono text-xs text-slate-600" title={v.sha256}>
                {shortSha(v.sha256)}
              </td>
              <td className="px-3 py-2.5 whitespace-nowrap text-slate-600">{formatBytes(v.sizeBytes)}</td>
              <td className="px-3 py-2.5">
                <span
                  className={`inline-flex items-center gap-1.5 text-xs font-medium ${
                    v.status === 'ready' ? 'text-emerald-700' : 'text-red-700'
                  }`}
                >
                  <span
                    aria-hidden="true"
                    className={`size-1.5 rounded-full ${v.status === 'ready' ? 'bg-emerald-500' : 'bg-red-500'}`}
                  />
                  {v.archived ? 'archived' : v.status}
                </span>
                {v.schemaChange && (
                  <span
                    className="ml-2 rounded bg-amber-100 px-1.5 py-0.5 text-xs text-amber-900"
                    title={`Inputs differ from v${v.schemaChange.comparedTo.version}; promoting needs force`}
                    data-testid="schema-change-badge"
                  >
                    inputs changed
                  </span>
                )}
              </td>
              <td className="px-3 py-2.5">
                <div className="flex flex-wrap gap-1">
                  {v.aliases.length > 0 ? (
                    v.aliases.map((alias) => <AliasBadge key={alias} alias={alias} />)
                  ) : (
                    <span className="text-slate-400">—</span>
                  )}
                </div>
              </td>
              <td className="px-3 py-2.5 text-slate-600">{accuracyOf(v)}</td>
              <td className="px-5 py-2.5 text-right">
                {v.version === selected ? (
                  <span className="text-xs font-medium text-emerald-700">Viewing</span>
                ) : (
                  <button
                    type="button"
                    onClick={() => onSelect(v.version)}
                    className="text-xs font-medium text-slate-600 hover:text-emerald-700"
                  >
                    View v{v.version}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
