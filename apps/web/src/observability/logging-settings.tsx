// A model's prediction-logging switch and sample rate, on the model page and the prediction log.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { ApiError } from '../api/api-error';
import { Button } from '../components/button';
import { ErrorAlert } from '../components/error-alert';
import { Spinner } from '../components/spinner';
import { observabilityApi, type LoggingSettings as Settings } from './api';

/** Rates as percentages without float noise (0.07 * 100 is 7.000000000000001). */
const percentOf = (rate: number) => String(Number((rate * 100).toPrecision(6)));

function SampleRateForm({
  settings,
  onSave,
  busy,
}: {
  settings: Settings;
  onSave: (rate: number) => void;
  busy: boolean;
}) {
  const [percent, setPercent] = useState(() => percentOf(settings.sampleRate));
  const valid = percent.trim() !== '' && Number(percent) >= 0 && Number(percent) <= 100;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (valid) onSave(Number(percent) / 100);
  };
  return (
    <form onSubmit={submit} className="flex items-end gap-2" aria-label="Sample rate">
      <label className="text-sm font-medium text-slate-700">
        Sample rate (%)
        <input
          type="number"
          min={0}
          max={100}
          step="any"
          value={percent}
          onChange={(e) => setPercent(e.target.value)}
          aria-invalid={!valid}
          className="mt-1 block w-28 rounded-md border border-slate-300 px-3 py-1.5 text-sm"
        />
      </label>
      <Button
        type="submit"
        variant="secondary"
        disabled={!valid || busy || percent === percentOf(settings.sampleRate)}
      >
        Save rate
      </Button>
    </form>
  );
}

export function LoggingSettings({ name }: { name: string }) {
  const client = useQueryClient();
  const settings = useQuery<Settings, ApiError>({
    queryKey: ['logging', name],
    queryFn: () => observabilityApi.settings(name),
  });
  const save = useMutation<Settings, ApiError, Partial<Settings>>({
    mutationFn: (patch) => observabilityApi.setSettings(name, patch),
    // A read of the settings still in flight would land after the change and put the old ones back
    // (the switch flipped back under a test's click once); cancel it before changing them.
    onMutate: () => client.cancelQueries({ queryKey: ['logging', name] }),
    onSuccess: (data) => client.setQueryData(['logging', name], data),
  });
  if (settings.isPending) return <Spinner label="Loading the logging settings" />;
  if (settings.isError)
    return <ErrorAlert error={settings.error} title="Could not load the logging settings" />;
  const s = settings.data;
  // The switch moves at once; it goes back if the server refuses.
  const enabled = save.isPending && save.variables.enabled !== undefined ? save.variables.enabled : s.enabled;
  return (
    <div className="space-y-3" data-testid="logging-settings">
      <div className="flex flex-wrap items-end gap-6 text-sm">
        <label className="flex items-center gap-2 pb-2 font-medium text-slate-700">
          <input
            type="checkbox"
            role="switch"
            aria-checked={enabled}
            checked={enabled}
            disabled={save.isPending}
            data-testid="logging-enabled"
            onChange={(e) => save.mutate({ enabled: e.target.checked })}
          />
          Log predictions
        </label>
        <SampleRateForm
          key={s.sampleRate}
          settings={s}
          busy={save.isPending}
          onSave={(sampleRate) => save.mutate({ sampleRate })}
        />
        <span className="pb-2 text-slate-500">Kept {s.retentionDays} days</span>
      </div>
      <output className="block text-sm text-slate-600" data-testid="logging-state">
        {s.enabled ? `Logging ${percentOf(s.sampleRate)}% of predictions.` : 'Prediction logging is off.'}
      </output>
      {save.isError && <ErrorAlert error={save.error} title="Could not change the logging settings" />}
    </div>
  );
}
