// Archive, restore or delete one version; a version an alias still uses answers 409 VERSION_IN_USE,
// shown with the aliases to move first.

import type { ModelVersion } from '@modelgarden/sdk';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { ApiError } from '../api/api-error';
import { queryKeys } from '../api/queries';
import { versionsApi } from '../api/versions';
import { Button } from './button';
import { ErrorAlert } from './error-alert';

type Action = 'archive' | 'restore' | 'delete';

const done: Record<Action, string> = { archive: 'archived', restore: 'restored', delete: 'deleted' };

export function VersionLifecycle({ model, version }: { model: string; version: ModelVersion }) {
  const client = useQueryClient();
  const [confirmDelete, setConfirmDelete] = useState(false);
  // The version travels with the action: after a delete this component shows another version.
  const run = useMutation<unknown, ApiError, { action: Action; version: number }>({
    mutationFn: ({ action, version: n }) => {
      if (action === 'archive') return versionsApi.archive(model, n);
      if (action === 'restore') return versionsApi.restore(model, n);
      return versionsApi.remove(model, n);
    },
    onSettled: () => setConfirmDelete(false),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.models }),
  });
  const v = `v${version.version}`;
  const inUse = run.error?.code === 'VERSION_IN_USE';

  return (
    <div className="space-y-3" data-testid="version-lifecycle">
      <p className="text-sm text-slate-600">
        {version.archived
          ? `${v} is archived: it keeps its artifact but does not serve.`
          : `${v} is ${version.status}${version.aliases.length > 0 ? `, used by ${version.aliases.join(', ')}` : ''}.`}
      </p>
      <div className="flex flex-wrap gap-2">
        {version.archived ? (
          <Button
            variant="secondary"
            disabled={run.isPending}
            onClick={() => run.mutate({ action: 'restore', version: version.version })}
          >
            Restore {v}
          </Button>
        ) : (
          <Button
            variant="secondary"
            disabled={run.isPending}
            onClick={() => run.mutate({ action: 'archive', version: version.version })}
          >
            Archive {v}
          </Button>
        )}
        {!confirmDelete && (
          <Button variant="danger" disabled={run.isPending} onClick={() => setConfirmDelete(true)}>
            Delete {v}
          </Button>
        )}
      </div>
      {confirmDelete && (
        <div
          role="alertdialog"
          aria-labelledby="delete-version-text"
          className="flex flex-wrap items-center gap-3 rounded-lg border border-amber-200 bg-amber-50 px-4 py-3"
        >
          <p id="delete-version-text" className="text-sm text-amber-900">
            Delete <strong>{v}</strong> and its artifact? Its number is never reused.
          </p>
          <Button
            variant="danger"
            disabled={run.isPending}
            onClick={() => run.mutate({ action: 'delete', version: version.version })}
          >
            Delete {v} for good
          </Button>
          <Button variant="ghost" onClick={() => setConfirmDelete(false)}>
            Cancel
          </Button>
        </div>
      )}
      {run.isError && (
        <>
          <ErrorAlert
            error={run.error}
            title={`Could not ${run.variables?.action} v${run.variables?.version}${inUse ? ': an alias uses it' : ''}`}
          />
          {inUse && (
            <p className="text-sm text-slate-600" data-testid="version-in-use-hint">
              Point {version.aliases.length > 0 ? version.aliases.join(', ') : 'its aliases'} at another
              version first (Traffic, above), then try again.
            </p>
          )}
        </>
      )}
      {run.isSuccess && run.variables && (
        <output className="block text-sm text-emerald-700">
          v{run.variables.version} {done[run.variables.action]}.
        </output>
      )}
    </div>
  );
}
