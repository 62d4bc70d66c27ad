import { describe, expect, it } from 'vitest';
import { binShares, ksTest, labelShares, psi, quantileEdges } from './drift-stats.js';

/** Deterministic pseudo-random normal samples (mulberry32 + Box–Muller). */
function normals(n: number, mean: number, sd: number, seed: number): number[] {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from(
    { length: n },
    () => mean + sd * Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand()),
  );
}

describe('quantile bins and PSI', () => {
  it('splits the reference into about equal shares', () => {
    const ref = normals(5000, 0, 1, 1);
    const shares = binShares(ref, quantileEdges(ref, 10));
    expect(shares).toHaveLength(10);
    for (const s of shares) expect(s).toBeCloseTo(0.1, 1);
  });

  it('is near zero for the same distribution and large for a shifted one', () => {
    const ref = normals(5000, 0, 1, 2);
    const edges = quantileEdges(ref);
    const expected = binShares(ref, edges);
    expect(psi(expected, binShares(normals(2000, 0, 1, 3), edges))).toBeLessThan(0.05);
    expect(psi(expected, binShares(normals(2000, 1, 1, 4), edges))).toBeGreaterThan(0.2);
  });

  it('handles a constant feature without dividing by zero', () => {
    const edges = quantileEdges([3, 3, 3, 3]);
    expect(edges).toEqual([]);
    expect(psi(binShares([3, 3], edges), binShares([3, 3, 3], edges))).toBe(0);
  });
});

describe('two-sample KS test', () => {
  it('does not reject samples of one distribution', () => {
    const { pValue } = ksTest(normals(500, 0, 1, 5), normals(500, 0, 1, 6));
    expect(pValue).toBeGreaterThan(0.05);
  });

  it('rejects a shifted sample and reports D', () => {
    const { statistic, pValue } = ksTest(normals(500, 0, 1, 7), normals(500, 0.5, 1, 8));
    expect(statistic).toBeGreaterThan(0.15);
    expect(pValue).toBeLessThan(0.001);
  });

  it('gives D = 1 for disjoint samples', () => {
    expect(ksTest([1, 2, 3], [10, 11, 12]).statistic).toBe(1);
  });
});

describe('labelShares', () => {
  it('returns shares per label', () => {
    expect(labelShares(['a', 'b', 'a', 'a'])).toEqual({ a: 0.75, b: 0.25 });
  });
});
