/**
 * Live dashboard data: samples the Prometheus registry every few seconds into a ring of snapshots
 * and turns consecutive snapshots into per-model series (throughput, error rate, p50/p95/p99
 * latency, queue depth, mean batch size) for the web app's metrics page.
 */
import type { z } from 'zod';
import type { metricsPointSchema, metricsSummarySchema } from '../contract/observability-schemas.js';
import type { Metrics } from './metrics.js';

interface HistogramState {
  buckets: Map<number, number>;
  count: number;
  sum: number;
}

interface ModelState {
  requests: number;
  errors: number;
  latency: HistogramState;
  batchCount: number;
  batchSum: number;
  pending: number;
}

interface Snapshot {
  at: number;
  models: Map<string, ModelState>;
  http: { requests: number; errors: number; latency: HistogramState };
}

export type SeriesPoint = z.infer<typeof metricsPointSchema>;

export type LiveSummary = z.infer<typeof metricsSummarySchema>;

/** The `le` label of a histogram bucket sample as a number. */
function bucketBound(labels: object): number {
  const le = (labels as { le?: string | number }).le;
  return le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
}

const emptyHistogram = (): HistogramState => ({ buckets: new Map(), count: 0, sum: 0 });
const emptyModel = (): ModelState => ({
  requests: 0,
  errors: 0,
  latency: emptyHistogram(),
  batchCount: 0,
  batchSum: 0,
  pending: 0,
});

/** Quantile from cumulative bucket deltas, interpolated within the bucket (as histogram_quantile does). */
export function quantileFromBuckets(deltas: Array<[number, number]>, q: number): number | null {
  const sorted = deltas.filter(([le]) => Number.isFinite(le)).sort((a, b) => a[0] - b[0]);
  const total = deltas.find(([le]) => le === Number.POSITIVE_INFINITY)?.[1] ?? sorted.at(-1)?.[1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let previousLe = 0;
  let previousCount = 0;
  for (const [le, count] of sorted) {
    if (count >= rank) {
      const inBucket = count - previousCount;
      return inBucket > 0 ? previousLe + ((le - previousLe) * (rank - previousCount)) / inBucket : le;
    }
    previousLe = le;
    previousCount = count;
  }
  return sorted.at(-1)?.[0] ?? null;
}

export class LiveMetrics {
  private readonly snapshots: Snapshot[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly metrics: Metrics,
    private readonly options: { intervalMs: number; keep: number } = { intervalMs: 2000, keep: 150 },
  ) {}

  start(): void {
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Takes one snapshot now (the timer calls this; tests may too). */
  async sample(): Promise<void> {
    const m = this.metrics;
    const models = new Map<string, ModelState>();
    const model = (labels: Record<string, string | number>) => {
      const key = String(labels.model);
      const existing = models.get(key);
      if (existing) return existing;
      const created = emptyModel();
      models.set(key, created);
      return created;
    };
    for (const v of (await m.inferenceRequests.get()).values) {
      const s = model(v.labels);
      s.requests += v.value;
      if (v.labels.outcome !== 'success') s.errors += v.value;
    }
    for (const v of (await m.inferenceRequestDuration.get()).values) {
      const s = model(v.labels);
      if (v.metricName?.endsWith('_bucket')) {
        const le = bucketBound(v.labels);
        s.latency.buckets.set(le, (s.latency.buckets.get(le) ?? 0) + v.value);
      }
    }
    for (const v of (await m.inferenceBatchSize.get()).values) {
      const s = model(v.labels);
      if (v.metricName?.endsWith('_sum')) s.batchSum += v.value;
      if (v.metricName?.endsWith('_count')) s.batchCount += v.value;
    }
    for (const v of (await m.inferencePending.get()).values) model(v.labels).pending += v.value;
    const http = { requests: 0, errors: 0, latency: emptyHistogram() };
    for (const v of (await m.httpRequestDuration.get()).values) {
      if (v.labels.http_route === '/metrics' || String(v.labels.http_route).startsWith('/api/metrics'))
        continue;
      if (v.metricName?.endsWith('_count')) {
        http.requests += v.value;
        if (v.labels.http_response_status_class === '5xx') http.errors += v.value;
      } else if (v.metricName?.endsWith('_bucket')) {
        const le = bucketBound(v.labels);
        http.latency.buckets.set(le, (http.latency.buckets.get(le) ?? 0) + v.value);
      }
    }
    this.snapshots.push({ at: Date.now(), models, http });
    if (this.snapshots.length > this.options.keep) this.snapshots.shift();
  }

  summary(): LiveSummary {
    const out: LiveSummary = { intervalSeconds: this.options.intervalMs / 1000, models: {}, http: [] };
    for (let i = 1; i < this.snapshots.length; i++) {
      const a = this.snapshots[i - 1]!;
      const b = this.snapshots[i]!;
      const seconds = Math.max((b.at - a.at) / 1000, 1e-3);
      const t = new Date(b.at).toISOString();
      for (const [name, now] of b.models) {
        const before = a.models.get(name) ?? emptyModel();
        const requests = now.requests - before.requests;
        const batches = now.batchCount - before.batchCount;
        const points = out.models[name] ?? [];
        out.models[name] = points;
        points.push({
          t,
          rps: requests / seconds,
          errorRate: requests > 0 ? (now.errors - before.errors) / requests : 0,
          ...percentiles(now.latency, before.latency),
          queueDepth: now.pending,
          batchSize: batches > 0 ? (now.batchSum - before.batchSum) / batches : null,
        });
      }
      const requests = b.http.requests - a.http.requests;
      out.http.push({
        t,
        rps: requests / seconds,
        errorRate: requests > 0 ? (b.http.errors - a.http.errors) / requests : 0,
        ...percentiles(b.http.latency, a.http.latency),
        queueDepth: 0,
        batchSize: null,
      });
    }
    return out;
  }
}

function percentiles(now: HistogramState, before: HistogramState) {
  const deltas: Array<[number, number]> = [...now.buckets].map(([le, c]) => [
    le,
    c - (before.buckets.get(le) ?? 0),
  ]);
  return {
    p50: quantileFromBuckets(deltas, 0.5),
    p95: quantileFromBuckets(deltas, 0.95),
    p99: quantileFromBuckets(deltas, 0.99),
  };
}
