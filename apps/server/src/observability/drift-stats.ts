/**
 * The statistics behind drift reports: population stability index over reference-quantile bins and
 * the two-sample Kolmogorov–Smirnov test (asymptotic p-value, as in Numerical Recipes' `kstwo`).
 */

/** Inner bin edges at the reference's quantiles (deduplicated, so constant features get one bin). */
export function quantileEdges(reference: number[], bins = 10): number[] {
  const sorted = [...reference].sort((a, b) => a - b);
  if (sorted.length === 0) return [];
  const edges: number[] = [];
  for (let i = 1; i < bins; i++) {
    const q = sorted[Math.min(sorted.length - 1, Math.floor((i / bins) * sorted.length))]!;
    if (edges.at(-1) !== q && q !== sorted[0]) edges.push(q);
  }
  return edges;
}

/** Share of values in each bin: bin k holds edges[k-1] <= x < edges[k]. */
export function binShares(values: number[], edges: number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const v of values) {
    let k = 0;
    while (k < edges.length && v >= edges[k]!) k++;
    counts[k]!++;
  }
  return counts.map((c) => (values.length > 0 ? c / values.length : 0));
}

const PSI_FLOOR = 1e-4;

/** Population stability index of `actual` against `expected` shares (empty bins floored). */
export function psi(expected: number[], actual: number[]): number {
  let total = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.max(expected[i] ?? 0, PSI_FLOOR);
    const a = Math.max(actual[i] ?? 0, PSI_FLOOR);
    total += (a - e) * Math.log(a / e);
  }
  return total;
}

/** Kolmogorov distribution tail Q(λ) = 2 Σ (-1)^(j-1) exp(-2 j² λ²). */
function kolmogorovQ(lambda: number): number {
  if (lambda < 1e-8) return 1;
  let sum = 0;
  let previous = 0;
  for (let j = 1; j <= 100; j++) {
    const term = 2 * (j % 2 === 1 ? 1 : -1) * Math.exp(-2 * j * j * lambda * lambda);
    sum += term;
    if (Math.abs(term) <= 1e-10 * Math.abs(previous) || Math.abs(term) <= 1e-16 * sum)
      return Math.min(1, sum);
    previous = term;
  }
  return 1; // series did not converge: λ is tiny, no evidence of difference
}

/** Two-sample KS statistic D and its asymptotic p-value. */
export function ksTest(a: number[], b: number[]): { statistic: number; pValue: number } {
  if (a.length === 0 || b.length === 0) return { statistic: 0, pValue: 1 };
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < x.length && x[i]! <= v) i++;
    while (j < y.length && y[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  const ne = Math.sqrt((x.length * y.length) / (x.length + y.length));
  return { statistic: d, pValue: kolmogorovQ((ne + 0.12 + 0.11 / ne) * d) };
}

/** Share of each label, over the union of labels seen in either list. */
export function labelShares(labels: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const l of labels) counts[l] = (counts[l] ?? 0) + 1;
  for (const k of Object.keys(counts)) counts[k] = counts[k]! / labels.length;
  return counts;
}
