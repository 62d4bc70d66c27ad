// The try-it form for tabular models: one number input per feature, then the prediction.

import type { PredictResponse } from '@modelgarden/sdk';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { ApiError } from '../api/api-error';
import { api, type VersionSelector } from '../api/client';
import { Button } from './button';
import { ErrorAlert } from './error-alert';
import { PredictionResult } from './prediction-result';

interface TabularTryItProps {
  model: string;
  featureNames: string[];
  selector: VersionSelector;
}

export function TabularTryIt({ model, featureNames, selector }: TabularTryItProps) {
  const [values, setValues] = useState<Record<string, string>>({});
  const predict = useMutation<PredictResponse, ApiError, Record<string, number>>({
    mutationFn: (inputs) => api.predictTabular(model, inputs, selector),
  });

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const inputs: Record<string, number> = {};
    for (const name of featureNames) inputs[name] = Number(values[name]);
    predict.mutate(inputs);
  };

  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <form onSubmit={onSubmit} className="space-y-4" aria-label="Feature values" data-testid="tabular-form">
        <div className="grid gap-3 sm:grid-cols-2">
          {featureNames.map((name) => {
            const id = `feature-${name}`;
            return (
              <div key={name}>
                <label htmlFor={id} className="block font-mono text-xs font-medium text-slate-700">
                  {name}
                </label>
                <input
                  id={id}
                  name={name}
                  type="number"
                  step="any"
                  required
                  inputMode="decimal"
                  placeholder="0.0"
                  value={values[name] ?? ''}
                  onChange={(e) => setValues((prev) => ({ ...prev, [name]: e.target.value }))}
                  className="mt-1 block w-full rounded-lg border-0 px-3 py-2 text-sm text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-emerald-600 focus:outline-none"
                />
              </div>
            );
          })}
        </div>
        <Button type="submit" data-testid="predict-button" disabled={predict.isPending}>
          {predict.isPending ? 'Predicting…' : 'Predict'}
        </Button>
      </form>
      <div aria-live="polite">
        {predict.isError && <ErrorAlert error={predict.error} title="Prediction failed" />}
        {predict.data && <PredictionResult result={predict.data} />}
        {predict.isIdle && (
          <p className="text-sm text-slate-500">Enter a value for every feature, then press Predict.</p>
        )}
      </div>
    </div>
  );
}
