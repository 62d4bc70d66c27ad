import { describe, expect, it } from 'vitest';
import { formBatch, removeBatch, rowsBelow } from './batch-formation.js';

const job = (key: string | null, rows: number, id = 0) => ({ key, rows, id });

describe('batch formation', () => {
  it('takes the head and later requests with its key, up to maxBatchSize rows, in queue order', () => {
    const queue = [
      job('a', 1, 0),
      job('a', 3, 1),
      job('b', 1, 2),
      job('a', 2, 3),
      job('a', 1, 4),
      job('a', 1, 5),
    ];
    expect(formBatch(queue, 4).map((j) => j.id)).toEqual([0, 1]);
    expect(formBatch(queue, 6).map((j) => j.id)).toEqual([0, 1, 3]);
    expect(formBatch(queue, 32).map((j) => j.id)).toEqual([0, 1, 3, 4, 5]);
    expect(queue).toHaveLength(6); // pure: the queue is not touched
  });

  it('runs alone a request without a key or one of maxBatchSize rows or more', () => {
    expect(formBatch([job(null, 1, 0), job(null, 1, 1)], 8).map((j) => j.id)).toEqual([0]);
    expect(formBatch([job('a', 6, 0), job('a', 1, 1)], 4).map((j) => j.id)).toEqual([0]);
    expect(formBatch([], 4)).toEqual([]);
  });

  it('removes a batch from the queue, a prefix in place or any members in order', () => {
    const queue = [job('a', 1, 0), job('a', 1, 1), job('b', 1, 2), job('a', 1, 3)];
    const prefix = removeBatch([...queue], queue.slice(0, 2));
    expect(prefix.map((j) => j.id)).toEqual([2, 3]);
    const spread = removeBatch([...queue], [queue[0]!, queue[1]!, queue[3]!]);
    expect(spread.map((j) => j.id)).toEqual([2]);
  });

  it('tells whether the queue holds fewer rows than a batch', () => {
    expect(rowsBelow([job('a', 2), job('a', 1)], 4)).toBe(true);
    expect(rowsBelow([job('a', 2), job('a', 2)], 4)).toBe(false);
  });
});
