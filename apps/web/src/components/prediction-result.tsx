// Shows one prediction: the top label (or regression value) prominently, then the probability chart.

import type { PredictResponse } from '@modelgarden/sdk';
import { formatPercent } from '../lib/format';
import { ProbabilityChart } from './probability-chart';

export function PredictionResult({ result }: { result: PredictResponse }) {
  const prediction = result.predictions[0];
  if (!prediction) {
    return <p className="text-sm text-slate-500">The model returned no prediction.</p>;
  }
  // The SDK's Prediction is a union: a class with its probabilities, or a regression value (or values).
  const classification = 'label' in prediction ? prediction : undefined;
  const values =
    'values' in prediction ? prediction.values : 'value' in prediction ? [prediction.value] : undefined;
  return (
    <div data-testid="prediction-result" className="space-y-4">
      {classification !== undefined ? (
        <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
          <span className="text-sm font-medium text-slate-500">Prediction</span>
          <span data-testid="top-label" className="text-3xl font-bold tracking-tight text-slate-900">
            {classification.label}
          </span>
          {classification.probability !== undefined && (
            <span data-testid="top-probability" className="text-sm font-medium text-emerald-700">
              {formatPercent(classification.probability)} confidence
            </span>
          )}
        </div>
      ) : values ? (
        <div className="flex flex-wrap items-baseline gap-x-3">
          <span className="text-sm font-medium text-slate-500">Predicted value</span>
          <span data-testid="predicted-value" className="text-3xl font-bold tracking-tight text-slate-900">
            {values.map((v) => Number(v.toPrecision(6))).join(', ')}
          </span>
        </div>
      ) : null}
      {classification?.probabilities && classification.probabilities.length > 0 && (
        <ProbabilityChart probabilities={classification.probabilities} topLabel={classification.label} />
      )}
      <p className="text-xs text-slate-400">
        Answered by {result.model} v{result.version}
      </p>
    </div>
  );
}
