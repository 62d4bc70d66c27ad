import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { BoundCounter, BoundGauge, BoundHistogram } from './bound-metrics.js';

const BUCKETS = [0.001, 0.01, 0.1, 1];

/** prom-client's exposition of one registry, without the HELP/TYPE lines' order mattering. */
const lines = async (registry: Registry) =>
  (await registry.metrics())
    .split('\n')
    .filter((l) => l !== '')
    .sort();

describe('bound metrics', () => {
  it('expose exactly what prom-client histograms, counters and gauges expose for the same values', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const h = new BoundHistogram('req_seconds', 'Request time', ['route', 'code'] as const, BUCKETS, ours);
    const ph = new Histogram({
      name: 'req_seconds',
      help: 'Request time',
      labelNames: ['route', 'code'] as const,
      buckets: BUCKETS,
      registers: [theirs],
    });
    const c = new BoundCounter('runs_total', 'Runs', ['model'] as const, ours);
    const pc = new Counter({
      name: 'runs_total',
      help: 'Runs',
      labelNames: ['model'] as const,
      registers: [theirs],
    });
    const g = new BoundGauge('depth', 'Queue depth', ['model'] as const, ours);
    const pg = new Gauge({
      name: 'depth',
      help: 'Queue depth',
      labelNames: ['model'] as const,
      registers: [theirs],
    });

    // Values on bucket bounds count in that bucket (le is inclusive), values past the last in +Inf.
    const samples: Array<[string, string, number]> = [
      ['/a', '2xx', 0.0005],
      ['/a', '2xx', 0.001],
      ['/a', '2xx', 0.05],
      ['/a', '5xx', 3],
      ['/b', '2xx', 1],
      ['/b', '2xx', 0],
    ];
    for (const [route, code, v] of samples) {
      h.bind({ route, code }).observe(v);
      ph.observe({ route, code }, v);
    }
    c.bind({ model: 'iris' }).inc();
    c.bind({ model: 'iris' }).inc(2);
    c.bind({ model: 'digits' }).inc();
    pc.inc({ model: 'iris' });
    pc.inc({ model: 'iris' }, 2);
    pc.inc({ model: 'digits' });
    g.bind({ model: 'iris' }).set(7);
    pg.set({ model: 'iris' }, 7);

    expect(await lines(ours)).toEqual(await lines(theirs));
    const got = await h.get();
    const want = await ph.get();
    expect(got.values.map((v) => [v.metricName, v.labels, v.value])).toEqual(
      want.values.map((v) => [v.metricName, v.labels, v.value]),
    );
  });

  it('binds one series per label set and resets to zero', async () => {
    const registry = new Registry();
    const h = new BoundHistogram('t_seconds', 'T', ['a', 'b'] as const, BUCKETS, registry);
    // Label values that would collide if joined naively stay apart.
    const one = h.bind({ a: 'x y', b: 'z' });
    const two = h.bind({ a: 'x', b: 'y z' });
    expect(one).not.toBe(two);
    expect(h.bind({ a: 'x y', b: 'z' })).toBe(one);
    one.observe(0.5);
    one.observe(Number.NaN); // not a number: ignored, as nothing could chart it
    expect(one.count).toBe(1);
    h.reset();
    const values = (await h.get()).values;
    expect(values.every((v) => v.value === 0)).toBe(true);
    expect(values.filter((v) => v.metricName === 't_seconds_count')).toHaveLength(2);
  });
});
