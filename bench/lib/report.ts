/** Printing results as Markdown tables (pasted into bench/RESULTS.md) and ratios. */
import type { LoadResult } from './wrk.js';

export function table(rows: Array<[string, LoadResult | string]>): string {
  const lines = [
    '| System | req/s | p50 ms | p95 ms | p99 ms | non-2xx | errors |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [name, r] of rows) {
    if (typeof r === 'string') lines.push(`| ${name} | skipped: ${r} | | | | | |`);
    else
      lines.push(
        `| ${name} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p95.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.non2xx} | ${r.errors} |`,
      );
  }
  return lines.join('\n');
}

export const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

/** The median (upper middle of an even count), as the benchmarks' per-round ratios use it. */
export const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

export function print(text: string): void {
  process.stdout.write(`${text}\n`);
}
