// The live metrics page: per-model charts that refresh every few seconds without a reload.

import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { Card } from '../components/card';
import { ErrorAlert } from '../components/error-alert';
import { PageHeader } from '../components/page-header';
import { Spinner } from '../components/spinner';
import { observabilityApi } from './api';
import { latest, ModelMetricsPanel } from './model-metrics-panel';

const REFRESH_MS = 2000;

export function useLiveSummary() {
  return useQuery({
    queryKey: ['metrics-summary'],
    queryFn: observabilityApi.summary,
    refetchInterval: REFRESH_MS,
  });
}

export function MetricsPage() {
  const summary = useLiveSummary();
  if (summary.isPending) return <Spinner label="Loading metrics" />;
  if (summary.isError)
    return <ErrorAlert error={summary.error} title="Metrics unavailable" onRetry={() => summary.refetch()} />;
  const models = Object.entries(summary.data.models).sort(([a], [b]) => a.localeCompare(b));
  const http = latest(summary.data.http);
  return (
    <div data-testid="metrics-page">
      <PageHeader
        title="Live metrics"
        subtitle={`Updated every ${REFRESH_MS / 1000} s from the server's Prometheus metrics (also at /metrics).`}
      />
      <Card title="All HTTP traffic" className="mb-6">
        <p className="mb-3 text-sm text-slate-600">
          Now: <strong data-testid="http-throughput">{(http?.rps ?? 0).toFixed(1)}</strong> req/s
        </p>
        <ModelMetricsPanel points={summary.data.http} showEngine={false} />
      </Card>
      {models.length === 0 && (
        <p className="text-sm text-slate-500">No inference yet: make a prediction to see per-model charts.</p>
      )}
      <div className="space-y-6">
        {models.map(([name, points]) => (
          <Card
            key={name}
            title={
              <Link to={`/models/${encodeURIComponent(name)}`} className="hover:underline">
                {name}
              </Link>
            }
            testId={`metrics-${name}`}
          >
            <p className="mb-3 text-sm text-slate-600">
              Now: <strong data-testid={`throughput-${name}`}>{(latest(points)?.rps ?? 0).toFixed(1)}</strong>{' '}
              req/s
            </p>
            <ModelMetricsPanel points={points} />
          </Card>
        ))}
      </div>
    </div>
  );
}
