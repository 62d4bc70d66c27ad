/**
 * Batch formation as a pure function of the queue: which queued requests run together next. The
 * scheduler removes what it takes; nothing here mutates the queue or reads a clock.
 */

/** What batch formation needs of a queued request. */
export interface BatchCandidate {
  /** Requests with the same key may share a batch; null: this request runs alone. */
  readonly key: string | null;
  readonly rows: number;
}

/**
 * The next batch: the request at the head of the queue and, after it in queue order, every request
 * with its key that still fits in `maxBatchSize` rows. A request without a key, or one of
 * `maxBatchSize` rows or more, runs alone.
 *
 * @example
 * formBatch([{ key: 'a', rows: 3 }, { key: 'b', rows: 1 }, { key: 'a', rows: 1 }], 4)
 * // → the first and the third (4 rows); the 'b' request waits for the next batch
 */
export function formBatch<T extends BatchCandidate>(queue: readonly T[], maxBatchSize: number): T[] {
  const first = queue[0];
  if (first === undefined) return [];
  if (first.key === null || first.rows >= maxBatchSize) return [first];
  const batch: T[] = [];
  let rows = 0;
  for (const job of queue) {
    if (rows >= maxBatchSize) break;
    if (job.key === first.key && rows + job.rows <= maxBatchSize) {
      batch.push(job);
      rows += job.rows;
    }
  }
  return batch;
}

/** True when the queue holds fewer than `limit` rows (a batching delay may wait for more). */
export function rowsBelow(queue: readonly BatchCandidate[], limit: number): boolean {
  let rows = 0;
  for (const job of queue) {
    rows += job.rows;
    if (rows >= limit) return false;
  }
  return true;
}

/**
 * The queue without `batch`, which formBatch took from it (so its members are in queue order). The
 * common batch is a prefix of the queue, removed in place; otherwise the rest is a new array.
 */
export function removeBatch<T>(queue: T[], batch: readonly T[]): T[] {
  const n = batch.length;
  if (n === 0) return queue;
  if (queue[n - 1] === batch[n - 1]) {
    if (n === 1) queue.shift();
    else queue.splice(0, n);
    return queue;
  }
  const taken = new Set(batch);
  return queue.filter((job) => !taken.has(job));
}
