// Live charts for one model (or the whole server): throughput, latency percentiles, errors, queue, batches.

import type { SeriesPoint } from './api';
import { TimeSeriesChart } from './time-series-chart';

const ms = (v: number | null) => (v === null ? null : v * 1000);

export function latest(points: SeriesPoint[]) {
  return points.at(-1);
}

export function ModelMetricsPanel({
  points,
  showEngine = true,
}: {
  points: SeriesPoint[];
  showEngine?: boolean;
}) {
  const data = points.map((p) => ({
    t: p.t,
    rps: p.rps,
    p50: ms(p.p50),
    p95: ms(p.p95),
    p99: ms(p.p99),
    errors: p.errorRate * 100,
    queue: p.queueDepth,
    batch: p.batchSize,
  }));
  return (
    <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
      <TimeSeriesChart
        title="Throughput"
        unit=" req/s"
        data={data}
        series={[{ key: 'rps', label: 'req/s', color: '#059669' }]}
        testId="chart-throughput"
      />
      <TimeSeriesChart
        title="Latency"
        unit=" ms"
        data={data}
        series={[
          { key: 'p50', label: 'p50', color: '#0ea5e9' },
          { key: 'p95', label: 'p95', color: '#6366f1' },
          { key: 'p99', label: 'p99', color: '#e11d48' },
        ]}
        testId="chart-latency"
      />
      <TimeSeriesChart
        title="Error rate"
        unit="%"
        data={data}
        series={[{ key: 'errors', label: 'errors', color: '#dc2626' }]}
      />
      {showEngine && (
        <>
          <TimeSeriesChart
            title="Queue depth"
            data={data}
            series={[{ key: 'queue', label: 'pending', color: '#d97706' }]}
          />
          <TimeSeriesChart
            title="Batch size (mean)"
            data={data}
            series={[{ key: 'batch', label: 'batch', color: '#7c3aed' }]}
          />
        </>
      )}
    </div>
  );
}
