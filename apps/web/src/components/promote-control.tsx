// Points the `production` alias at a chosen version, after an explicit confirmation.

import type { ModelVersion } from '@modelgarden/sdk';
import { useState } from 'react';
import { useSetAlias } from '../api/queries';
import { Button } from './button';
import { ErrorAlert } from './error-alert';
import { SchemaDiffView } from './schema-diff';

interface PromoteControlProps {
  model: string;
  versions: ModelVersion[];
  production: number | undefined;
}

export function PromoteControl({ model, versions, production }: PromoteControlProps) {
  const candidates = versions.filter((v) => v.version !== production && v.status === 'ready' && !v.archived);
  const [choice, setChoice] = useState<number | undefined>(candidates[0]?.version);
  const [confirming, setConfirming] = useState(false);
  const setAlias = useSetAlias(model);
  const target = candidates.some((v) => v.version === choice) ? choice : candidates[0]?.version;
  const targetVersion = candidates.find((v) => v.version === target);
  // A version whose inputs differ from production needs `force`; the dialog shows the difference first.
  const schemaChange =
    targetVersion?.schemaChange && targetVersion.schemaChange.comparedTo.version === production
      ? targetVersion.schemaChange
      : null;

  if (candidates.length === 0) {
    return (
      <p className="text-sm text-slate-500" data-testid="promote-control">
        {production !== undefined
          ? `Every ready version is already production (v${production}).`
          : 'No ready version to promote yet.'}
      </p>
    );
  }

  const confirm = () => {
    if (target === undefined) return;
    setAlias.mutate(
      { alias: 'production', version: target, force: schemaChange !== null },
      { onSettled: () => setConfirming(false) },
    );
  };

  return (
    <div className="space-y-3" data-testid="promote-control">
      <div className="flex flex-wrap items-end gap-3">
        <div>
          <label htmlFor="promote-version" className="block text-xs font-medium text-slate-600">
            Version
          </label>
          <select
            id="promote-version"
            value={target}
            onChange={(e) => {
              setChoice(Number(e.target.value));
              setConfirming(false);
            }}
            className="mt-1 rounded-lg border-0 py-2 pr-8 pl-3 text-sm shadow-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-emerald-600"
          >
            {candidates.map((v) => (
              <option key={v.version} value={v.version}>
                v{v.version}
              </option>
            ))}
          </select>
        </div>
        {!confirming && (
          <Button
            variant="secondary"
            onClick={() => setConfirming(true)}
            disabled={setAlias.isPending}
            data-testid="promote-button"
          >
            Promote to production
          </Button>
        )}
      </div>
      {confirming && target !== undefined && (
        <div
          role="alertdialog"
          aria-labelledby="promote-confirm-text"
          className="flex flex-wrap items-center gap-3 rounded-lg border border-amber-200 bg-amber-50 px-4 py-3"
        >
          <p id="promote-confirm-text" className="text-sm text-amber-900">
            Point <strong>production</strong> at <strong>v{target}</strong>
            {production !== undefined ? ` (now v${production})` : ''}? Clients that call the default endpoint
            will get this version.
          </p>
          {schemaChange && <SchemaDiffView change={schemaChange} />}
          <div className="flex gap-2">
            <Button
              variant="danger"
              onClick={confirm}
              disabled={setAlias.isPending}
              data-testid="promote-confirm"
            >
              {setAlias.isPending ? 'Promoting…' : `Promote v${target}${schemaChange ? ' anyway' : ''}`}
            </Button>
            <Button variant="ghost" onClick={() => setConfirming(false)}>
              Cancel
            </Button>
          </div>
        </div>
      )}
      {setAlias.isError && <ErrorAlert error={setAlias.error} title="Could not promote" />}
      {setAlias.isSuccess && !confirming && (
        <output className="block text-sm text-emerald-700">
          production now points to v{setAlias.data.version}.
        </output>
      )}
    </div>
  );
}
