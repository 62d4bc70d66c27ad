/**
 * The batch curve of a model on one input shape: how long one execution takes at each batch size,
 * measured (warm-up sweep and live batches), and the knee where a larger batch stops paying.
 */

export interface CurvePoint {
  rows: number;
  /**
   * One execution at this batch size: the least measured since these sessions were swept. The
   * model's cost at a given shape does not change while its sessions stay the same, and contention
   * (other processes, the event loop, the other instances) only ever adds to a run's time — on a
   * busy 2-core machine the average of the wide MLP's runs was 20× its least — so the least is the
   * steadiest estimate of what the model itself costs.
   */
  ms: number;
  /** Moving average of the executions (what the runs took, contention included). */
  avgMs: number;
  samples: number;
}

/** Rows per second at a point of the curve. */
export const rowsPerSecond = (p: Pick<CurvePoint, 'rows' | 'ms'>): number =>
  (p.rows * 1000) / Math.max(p.ms, 1e-6);

export class BatchCurve {
  private readonly points = new Map<number, CurvePoint>();

  /** One execution of `rows` rows took `ms`. */
  record(rows: number, ms: number): void {
    const p = this.points.get(rows);
    if (p === undefined) {
      this.set(rows, ms);
      return;
    }
    p.avgMs = p.samples < 8 ? (p.avgMs * p.samples + ms) / (p.samples + 1) : p.avgMs * 0.9 + ms * 0.1;
    p.samples++;
    if (ms < p.ms) p.ms = ms;
  }

  /** A sweep's measurement (the least of a few runs) replaces what was known at that size. */
  set(rows: number, ms: number): void {
    this.points.set(rows, { rows, ms, avgMs: ms, samples: 1 });
  }

  get size(): number {
    return this.points.size;
  }

  /** The points, by batch size. */
  sorted(): CurvePoint[] {
    return [...this.points.values()].sort((a, b) => a.rows - b.rows).map((p) => ({ ...p }));
  }

  /** One row's execution: measured at batch 1, else the smallest batch measured, per row (a lower bound). */
  singleRunMs(): number | undefined {
    const first = this.sorted()[0];
    return first === undefined ? undefined : first.ms / first.rows;
  }
}

export interface Knee {
  maxBatchSize: number;
  reason: string;
}

/** Within this share of the best throughput measured, the smaller batch is as good (and waits less). */
export const KNEE_TOLERANCE = 0.05;
/**
 * …and within this share when the best batch runs longer than HEAVY_BATCH_MS: each extra row of a
 * heavy model adds its whole run to every request's latency, and on a busy machine large batches of a
 * CNN ran slower per image than the sweep measured (cache pressure between the instances), so a larger
 * batch must pay clearly.
 */
export const HEAVY_KNEE_TOLERANCE = 0.15;
export const HEAVY_BATCH_MS = 10;
/** A batch that runs faster than this costs no latency worth saving: batching up to it is free. */
export const FREE_BATCH_MS = 1;

const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

/**
 * The knee of a batch curve: the smallest batch whose throughput is within 5 % of the best measured
 * (15 % when the best batch runs over 10 ms),
 * extended to larger batches while a run stays under 1 ms (batching is free there). When the best is
 * the largest batch measured and below `limit`, the curve is still rising: twice that size is allowed,
 * so live batches can measure further.
 *
 * @example
 * const at = (rows: number, ms: number) => ({ rows, ms, avgMs: ms, samples: 1 });
 * kneeOf([at(1, 20), at(2, 39), at(4, 80)], 32)
 * // → { maxBatchSize: 1, reason: 'knee of the batch curve: …' } (batching does not pay: linear cost)
 */
export function kneeOf(points: readonly CurvePoint[], limit: number): Knee | undefined {
  if (points.length === 0) return undefined;
  const inRange = points.filter((p) => p.rows <= limit);
  if (inRange.length === 0) return undefined;
  let best = inRange[0]!;
  for (const p of inRange) if (rowsPerSecond(p) > rowsPerSecond(best)) best = p;
  const largest = inRange.at(-1)!;
  const tolerance = best.ms > HEAVY_BATCH_MS ? HEAVY_KNEE_TOLERANCE : KNEE_TOLERANCE;
  let knee = inRange.find((p) => rowsPerSecond(p) >= (1 - tolerance) * rowsPerSecond(best))!;
  // Still rising at its end: only when the largest batch is clearly the best (on a flat curve the
  // noise makes some batch the best now and then; that is no reason to grow the batch).
  if (knee === largest && largest.rows < limit && inRange.length > 1) {
    const next = Math.min(limit, largest.rows * 2);
    return {
      maxBatchSize: next,
      reason: `throughput still rising at the largest batch measured (${largest.rows} rows: ${fmt(rowsPerSecond(largest))} rows/s, ${fmt(largest.ms)} ms a run); up to ${next} rows allowed, to measure further`,
    };
  }
  const freeUpTo = Math.max(knee.ms, FREE_BATCH_MS);
  for (const p of inRange) if (p.rows > knee.rows && p.ms <= freeUpTo) knee = p;
  const shape = inRange.map((p) => `${p.rows}: ${fmt(p.ms)} ms`).join(', ');
  return {
    maxBatchSize: knee.rows,
    reason:
      knee === best
        ? `knee of the batch curve: ${knee.rows} rows gives the best throughput measured (${fmt(rowsPerSecond(knee))} rows/s)${knee === largest ? `, at the largest batch allowed (${limit})` : '; larger batches add latency, not throughput'} (curve ${shape})`
        : `knee of the batch curve: ${knee.rows} rows gives ${fmt(rowsPerSecond(knee))} rows/s, within ${tolerance * 100} % of the best measured (${best.rows} rows: ${fmt(rowsPerSecond(best))} rows/s) or under ${FREE_BATCH_MS} ms a run; larger batches add latency, not throughput (curve ${shape})`,
  };
}
