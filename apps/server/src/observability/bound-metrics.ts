/**
 * Histograms, counters and gauges for the request path whose label sets are bound once. prom-client
 * validates and hashes the labels on every observe(), even through a `labels()` child; with five to
 * seven observations per prediction that was a measurable share of a small request
 * (docs/performance.md). These keep one series object per label set (found by `bind()`, cached by
 * the caller) and report to a prom-client Registry through its metric interface (`get()` in
 * prom-client's own shape), so /metrics, the live dashboard and the readers of `get()` see exactly
 * what prom-client's own metrics would give.
 */
import type { Metric, Registry } from 'prom-client';

type Labels<L extends string> = Record<L, string | number>;

/** One value as prom-client's `get()` gives it. */
export interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** A metric's values as prom-client's `get()` gives them. */
export interface Snapshot {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  aggregator: 'sum';
  values: Sample[];
}

abstract class BoundMetric<L extends string, S> {
  protected readonly series = new Map<string, { labels: Labels<L>; series: S }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly L[],
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Metric);
  }

  /** The series of one label set; keep it (binding costs a lookup, observing does not). */
  bind(labels: Labels<L>): S {
    const key = this.labelNames.map((n) => String(labels[n])).join('\u0000');
    let entry = this.series.get(key);
    if (!entry) {
      const own = {} as Labels<L>;
      for (const n of this.labelNames) own[n] = labels[n];
      entry = { labels: own, series: this.create() };
      this.series.set(key, entry);
    }
    return entry.series;
  }

  protected abstract create(): S;
}

/** Counters and gauges: one number per series, exposed as it is. */
abstract class BoundScalar<L extends string, S extends { value: number }> extends BoundMetric<L, S> {
  abstract readonly type: 'counter' | 'gauge';
  readonly aggregator = 'sum';

  async get(): Promise<Snapshot> {
    const values = [...this.series.values()].map(({ labels, series }) => ({ labels, value: series.value }));
    return { name: this.name, help: this.help, type: this.type, aggregator: 'sum', values };
  }

  reset(): void {
    for (const { series } of this.series.values()) series.value = 0;
  }
}

export class BoundCounterSeries {
  value = 0;
  inc(by = 1): void {
    this.value += by;
  }
}

export class BoundCounter<L extends string = never> extends BoundScalar<L, BoundCounterSeries> {
  readonly type = 'counter';

  protected create(): BoundCounterSeries {
    return new BoundCounterSeries();
  }
}

export class BoundGaugeSeries {
  value = 0;
  set(value: number): void {
    this.value = value;
  }
}

export class BoundGauge<L extends string = never> extends BoundScalar<L, BoundGaugeSeries> {
  readonly type = 'gauge';

  protected create(): BoundGaugeSeries {
    return new BoundGaugeSeries();
  }
}

export class BoundHistogramSeries {
  /** Per-bucket (not cumulative) counts; the last slot is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]! += 1;
    this.sum += value;
    this.count += 1;
  }
}

export class BoundHistogram<L extends string = never> extends BoundMetric<L, BoundHistogramSeries> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly bounds: readonly number[];

  constructor(
    name: string,
    help: string,
    labelNames: readonly L[],
    buckets: readonly number[],
    registry: Registry,
  ) {
    super(name, help, labelNames, registry);
    this.bounds = [...buckets].sort((a, b) => a - b);
  }

  protected create(): BoundHistogramSeries {
    return new BoundHistogramSeries(this.bounds);
  }

  /** prom-client's histogram shape: cumulative `_bucket` values with `le`, then `_sum` and `_count`. */
  async get(): Promise<Snapshot> {
    const values: Sample[] = [];
    for (const { labels, series } of this.series.values()) {
      let cumulative = 0;
      for (let i = 0; i <= this.bounds.length; i++) {
        cumulative += series.counts[i]!;
        values.push({
          labels: { le: i < this.bounds.length ? this.bounds[i]! : '+Inf', ...labels },
          value: cumulative,
          metricName: `${this.name}_bucket`,
        });
      }
      values.push({ labels: { ...labels }, value: series.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ...labels }, value: series.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: 'histogram', aggregator: 'sum', values };
  }

  reset(): void {
    for (const { series } of this.series.values()) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }
}
