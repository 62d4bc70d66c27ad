// The drift page: live inputs against the version's reference, per feature, with overlaid histograms.

import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router-dom';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { Card } from '../components/card';
import { ErrorAlert } from '../components/error-alert';
import { PageHeader } from '../components/page-header';
import { Spinner } from '../components/spinner';
import { type FeatureDrift, observabilityApi } from './api';

function binLabels(edges: number[]): string[] {
  const f = (x: number) => Number(x.toPrecision(3));
  if (edges.length === 0) return ['all'];
  return [
    `< ${f(edges[0]!)}`,
    ...edges.slice(1).map((e, i) => `${f(edges[i]!)}–${f(e)}`),
    `≥ ${f(edges.at(-1)!)}`,
  ];
}

function FeatureHistogram({ drift }: { drift: FeatureDrift }) {
  const labels = binLabels(drift.histogram.edges);
  const data = labels.map((bin, i) => ({
    bin,
    reference: (drift.histogram.reference[i] ?? 0) * 100,
    live: (drift.histogram.live[i] ?? 0) * 100,
  }));
  return (
    <div className="h-48 w-full">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} barGap={0} margin={{ top: 4, right: 4, bottom: 0, left: -16 }}>
          <CartesianGrid stroke="#f1f5f9" vertical={false} />
          <XAxis
            dataKey="bin"
            tick={{ fontSize: 10, fill: '#64748b' }}
            interval={0}
            angle={-30}
            height={40}
            textAnchor="end"
          />
          <YAxis tick={{ fontSize: 11, fill: '#64748b' }} unit="%" />
          <Tooltip formatter={(v) => `${Number(v).toFixed(1)}%`} />
          <Legend wrapperStyle={{ fontSize: 11 }} />
          <Bar dataKey="reference" fill="#94a3b8" isAnimationActive={false} />
          <Bar dataKey="live" fill={drift.drifted ? '#e11d48' : '#059669'} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

function LabelComparison({
  reference,
  live,
}: {
  reference: Record<string, number>;
  live: Record<string, number>;
}) {
  const labels = [...new Set([...Object.keys(reference), ...Object.keys(live)])].sort();
  const data = labels.map((label) => ({
    label,
    reference: (reference[label] ?? 0) * 100,
    live: (live[label] ?? 0) * 100,
  }));
  return (
    <div className="h-56 w-full" data-testid="label-distribution">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 4, right: 4, bottom: 0, left: -16 }}>
          <CartesianGrid stroke="#f1f5f9" vertical={false} />
          <XAxis dataKey="label" tick={{ fontSize: 11, fill: '#64748b' }} />
          <YAxis tick={{ fontSize: 11, fill: '#64748b' }} unit="%" />
          <Tooltip formatter={(v) => `${Number(v).toFixed(1)}%`} />
          <Legend wrapperStyle={{ fontSize: 11 }} />
          <Bar dataKey="reference" fill="#94a3b8" isAnimationActive={false} />
          <Bar dataKey="live" fill="#0ea5e9" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

export function DriftPage() {
  const { name = '' } = useParams();
  const report = useQuery({
    queryKey: ['drift', name],
    queryFn: () => observabilityApi.drift(name, {}),
    refetchInterval: 10_000,
  });
  return (
    <div data-testid="drift-page">
      <PageHeader
        title={`Drift · ${name}`}
        subtitle="Live inputs from the prediction log against the version's reference dataset. A feature drifts when PSI > 0.2 or the KS test gives p < 0.05."
        actions={
          <Link
            to={`/models/${encodeURIComponent(name)}`}
            className="text-sm text-emerald-700 hover:underline"
          >
            Back to the model
          </Link>
        }
      />
      {report.isPending && <Spinner label="Computing the drift report" />}
      {report.isError && <ErrorAlert error={report.error} title="No drift report" />}
      {report.data && (
        <div className="space-y-6">
          <Card title="Summary" testId="drift-summary">
            <dl className="grid grid-cols-2 gap-4 text-sm sm:grid-cols-4">
              <div>
                <dt className="text-slate-500">Version</dt>
                <dd className="font-medium">
                  v{report.data.version} (reference v{report.data.referenceVersion},{' '}
                  {report.data.referenceSource})
                </dd>
              </div>
              <div>
                <dt className="text-slate-500">Rows</dt>
                <dd className="font-medium">
                  {report.data.liveRows} live · {report.data.referenceRows} reference
                </dd>
              </div>
              <div>
                <dt className="text-slate-500">Drifted features</dt>
                <dd className="font-medium" data-testid="drifted-share">
                  {(report.data.driftedShare * 100).toFixed(0)}%
                </dd>
              </div>
              <div>
                <dt className="text-slate-500">Status</dt>
                <dd className={`font-semibold ${report.data.drifted ? 'text-rose-700' : 'text-emerald-700'}`}>
                  {report.data.liveRows === 0
                    ? 'No live data yet'
                    : report.data.drifted
                      ? 'Drift detected'
                      : 'Stable'}
                </dd>
              </div>
            </dl>
          </Card>
          <div className="grid gap-4 md:grid-cols-2">
            {report.data.features.map((f) => (
              <Card
                key={f.feature}
                title={f.feature}
                testId={`drift-feature-${f.feature}`}
                description={`PSI ${f.psi.toFixed(3)} · KS D ${f.ksStatistic.toFixed(3)} (p ${f.ksPValue.toPrecision(2)}) · mean ${f.referenceMean.toFixed(2)} → ${f.liveMean.toFixed(2)}`}
                actions={
                  <span
                    className={`rounded-full px-2 py-0.5 text-xs font-medium ${f.drifted ? 'bg-rose-100 text-rose-800' : 'bg-emerald-100 text-emerald-800'}`}
                  >
                    {f.drifted ? 'drifted' : 'ok'}
                  </span>
                }
              >
                <FeatureHistogram drift={f} />
              </Card>
            ))}
          </div>
          <Card title="Predicted labels" description="Share of each label: reference vs live">
            <LabelComparison reference={report.data.labels.reference} live={report.data.labels.live} />
          </Card>
        </div>
      )}
    </div>
  );
}
