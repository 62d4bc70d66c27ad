// The model page's live panel: this model's charts plus links to its prediction log and drift report.

import { Link } from 'react-router-dom';
import { Card } from '../components/card';
import { useLiveSummary } from './metrics-page';
import { ModelMetricsPanel } from './model-metrics-panel';

export function ModelObservabilityCard({ name }: { name: string }) {
  const summary = useLiveSummary();
  const points = summary.data?.models[name] ?? [];
  const base = `/models/${encodeURIComponent(name)}`;
  return (
    <Card
      title="Live metrics"
      description="Throughput, latency, errors, queue and batches for this model, updated every 2 s."
      testId="model-live-metrics"
      actions={
        <div className="flex gap-3 text-sm">
          <Link
            to={`${base}/predictions`}
            className="text-emerald-700 hover:underline"
            data-testid="link-predictions"
          >
            Prediction log
          </Link>
          <Link to={`${base}/drift`} className="text-emerald-700 hover:underline" data-testid="link-drift">
            Drift
          </Link>
        </div>
      }
    >
      {points.length === 0 ? (
        <p className="text-sm text-slate-500">No predictions in the last few minutes.</p>
      ) : (
        <ModelMetricsPanel points={points} />
      )}
    </Card>
  );
}
