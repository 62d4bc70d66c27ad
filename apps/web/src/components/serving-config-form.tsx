// A version's serving config: what is stored, what is in effect (engine defaults filled in), and a
// form that replaces it, with what the engine tuned; any further part of the answer is shown as it comes.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { ApiError } from '../api/api-error';
import { type ServingConfig, type ServingConfigView, versionsApi } from '../api/versions';
import { Button } from './button';
import { ErrorAlert } from './error-alert';
import { Field, selectClass } from './field';
import { ServingTuningView, sourceOf } from './serving-tuning';
import { Spinner } from './spinner';

type NumericKey = Exclude<keyof ServingConfig, 'executor'>;

const NUMERIC: Array<{ key: NumericKey; label: string; unit?: string }> = [
  { key: 'maxBatchSize', label: 'Max batch size' },
  { key: 'maxQueueDelayMs', label: 'Max queue delay', unit: 'ms' },
  { key: 'maxQueue', label: 'Max queue' },
  { key: 'timeoutMs', label: 'Timeout', unit: 'ms' },
  { key: 'queueTargetMs', label: 'Queue target', unit: 'ms' },
  { key: 'instances', label: 'Instances' },
  { key: 'intraOpThreads', label: 'Intra-op threads' },
  { key: 'interOpThreads', label: 'Inter-op threads' },
];

const KNOWN_PARTS = new Set(['model', 'version', 'servingConfig', 'effective', 'tuning', 'loaded']);

type Draft = Record<NumericKey, string> & { executor: string };

function draftOf(config: ServingConfig): Draft {
  const draft = { executor: config.executor ?? '' } as Draft;
  for (const { key } of NUMERIC) draft[key] = config[key] === undefined ? '' : String(config[key]);
  return draft;
}

/** The config the draft says: empty fields are left out, so they take the defaults. */
function configOf(draft: Draft): ServingConfig {
  const config: ServingConfig = {};
  for (const { key } of NUMERIC) if (draft[key].trim() !== '') config[key] = Number(draft[key]);
  if (draft.executor === 'inline' || draft.executor === 'worker') config.executor = draft.executor;
  return config;
}

/** A part of the answer this form does not know, as name → value rows. */
function ExtraPart({ name, value }: { name: string; value: unknown }) {
  const rows =
    typeof value === 'object' && value !== null ? Object.entries(value) : ([[name, value]] as const);
  return (
    <section aria-label={`Serving ${name}`} className="rounded-lg bg-slate-50 px-3 py-2 text-sm">
      <h4 className="font-medium capitalize text-slate-700">{name}</h4>
      <dl className="mt-1 grid grid-cols-2 gap-x-4 gap-y-0.5">
        {rows.map(([k, v]) => (
          <div key={k} className="contents">
            <dt className="text-slate-500">{k}</dt>
            <dd className="font-mono text-xs text-slate-800">
              {typeof v === 'object' ? JSON.stringify(v) : String(v)}
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function ServingConfigEditor({ view }: { view: ServingConfigView }) {
  const client = useQueryClient();
  const [draft, setDraft] = useState(() => draftOf(view.servingConfig));
  const save = useMutation<ServingConfigView, ApiError, ServingConfig>({
    mutationFn: (config) => versionsApi.setServingConfig(view.model, view.version, config),
    onSuccess: (saved) => {
      client.setQueryData(['serving-config', view.model, view.version], saved);
      setDraft(draftOf(saved.servingConfig));
    },
  });
  const effective = view.effective;
  const extras = Object.entries(view).filter(
    ([k, v]) => !KNOWN_PARTS.has(k) && v !== undefined && v !== null,
  );

  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate(configOf(draft));
  }

  return (
    <form onSubmit={submit} className="space-y-4" aria-label={`Serving config of v${view.version}`}>
      <p className="text-sm text-slate-500">
        Empty fields take the engine's value (its default, or what it tuned), shown under each field.{' '}
        {view.loaded !== undefined &&
          (view.loaded ? 'This version is loaded.' : 'This version is not loaded now.')}
      </p>
      <div className="grid gap-3 sm:grid-cols-3">
        {NUMERIC.map(({ key, label, unit }) => (
          <Field
            key={key}
            label={unit ? `${label} (${unit})` : label}
            type="number"
            min={0}
            step="any"
            value={draft[key]}
            placeholder={effective ? String(effective[key]) : 'default'}
            onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
            hint={
              effective && (
                <span data-testid={`effective-${key}`}>
                  In effect: {effective[key]}
                  {sourceOf(view, key) === 'set' ? '' : ` (${sourceOf(view, key)})`}
                </span>
              )
            }
          />
        ))}
        <label className="block text-sm font-medium text-slate-700">
          Executor
          <select
            value={draft.executor}
            onChange={(e) => setDraft({ ...draft, executor: e.target.value })}
            className={selectClass}
          >
            <option value="">Default{effective ? ` (${effective.executor})` : ''}</option>
            <option value="inline">inline</option>
            <option value="worker">worker</option>
          </select>
          {effective && (
            <span className="mt-1 block text-xs font-normal text-slate-500" data-testid="effective-executor">
              In effect: {effective.executor}
              {sourceOf(view, 'executor') === 'set' ? '' : ` (${sourceOf(view, 'executor')})`}
            </span>
          )}
        </label>
      </div>
      {view.tuning && <ServingTuningView tuning={view.tuning} />}
      {extras.map(([name, value]) => (
        <ExtraPart key={name} name={name} value={value} />
      ))}
      <div className="flex items-center gap-3">
        <Button type="submit" disabled={save.isPending}>
          {save.isPending ? 'Applying…' : 'Save serving config'}
        </Button>
        {save.isSuccess && (
          <output className="text-sm text-emerald-700">Serving config of v{view.version} applied.</output>
        )}
      </div>
      {save.isError && <ErrorAlert error={save.error} title="Could not change the serving config" />}
    </form>
  );
}

export function ServingConfigForm({ model, version }: { model: string; version: number }) {
  const view = useQuery<ServingConfigView, ApiError>({
    queryKey: ['serving-config', model, version],
    queryFn: () => versionsApi.servingConfig(model, version),
  });
  if (view.isPending) return <Spinner label="Loading the serving config" />;
  if (view.isError) return <ErrorAlert error={view.error} title="Could not load the serving config" />;
  return <ServingConfigEditor view={view.data} />;
}
