// An alias's moves (when, from, to, by whom) and a rollback button with a confirmation step.

import { useState } from 'react';
import { useAliasHistory, useRollback } from '../api/queries';
import { formatDate } from '../lib/format';
import { Button } from './button';
import { ErrorAlert } from './error-alert';

const version = (v: number | null) => (v === null ? '—' : `v${v}`);

export function AliasHistory({ model, alias }: { model: string; alias: string }) {
  const history = useAliasHistory(model, alias);
  const rollback = useRollback(model);
  const [confirming, setConfirming] = useState(false);
  const latest = history.data?.[0];
  const previous = latest?.fromVersion ?? null;

  return (
    <div className="space-y-3" data-testid="alias-history">
      {history.isError && <ErrorAlert error={history.error} title="Could not load the history" />}
      {history.data && history.data.length === 0 && <p className="text-sm text-slate-500">No moves yet.</p>}
      {history.data && history.data.length > 0 && (
        <table className="min-w-full text-left text-sm">
          <thead className="text-xs font-medium tracking-wide text-slate-500 uppercase">
            <tr>
              <th className="py-1 pr-3">When</th>
              <th className="py-1 pr-3">Action</th>
              <th className="py-1 pr-3">From</th>
              <th className="py-1 pr-3">To</th>
              <th className="py-1">By</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {history.data.slice(0, 10).map((h) => (
              <tr key={h.id} data-testid="alias-history-row">
                <td className="py-1.5 pr-3 whitespace-nowrap text-slate-600">{formatDate(h.at)}</td>
                <td className="py-1.5 pr-3">{h.action}</td>
                <td className="py-1.5 pr-3">{version(h.fromVersion)}</td>
                <td className="py-1.5 pr-3">{version(h.toVersion)}</td>
                <td className="py-1.5 text-slate-500">{h.actor ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {previous !== null && !confirming && (
        <Button variant="secondary" onClick={() => setConfirming(true)} data-testid="rollback-button">
          Roll back {alias} to v{previous}
        </Button>
      )}
      {confirming && previous !== null && (
        <div
          role="alertdialog"
          aria-labelledby="rollback-confirm-text"
          className="flex flex-wrap items-center gap-3 rounded-lg border border-amber-200 bg-amber-50 px-4 py-3"
        >
          <p id="rollback-confirm-text" className="text-sm text-amber-900">
            Point <strong>{alias}</strong> back at <strong>v{previous}</strong>?
          </p>
          <Button
            variant="danger"
            disabled={rollback.isPending}
            onClick={() => rollback.mutate({ alias }, { onSettled: () => setConfirming(false) })}
            data-testid="rollback-confirm"
          >
            {rollback.isPending ? 'Rolling back…' : `Roll back to v${previous}`}
          </Button>
          <Button variant="ghost" onClick={() => setConfirming(false)}>
            Cancel
          </Button>
        </div>
      )}
      {rollback.isError && <ErrorAlert error={rollback.error} title="Could not roll back" />}
    </div>
  );
}
