/** Batch keys: the cached key of the common request equals the general one, and keys tell shapes apart. */
import { describe, expect, it } from 'vitest';
import type { ModelVersion } from '../registry/types.js';
import { batchKey, outputNamesOf } from './batching.js';
import type { DecodedTensor } from './tensor-codec.js';

const version = {
  outputs: [
    { name: 'label', datatype: 'INT64', shape: [-1] },
    { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
  ],
} as unknown as ModelVersion;

const input = (rows: number, width: number): DecodedTensor[] => [
  { name: 'x', datatype: 'FP32', shape: [rows, width], data: new Float32Array(rows * width) },
];

describe('batchKey', () => {
  it('gives a version one output-name array, and the same keys cached as computed', () => {
    const names = outputNamesOf(version);
    expect(outputNamesOf(version)).toBe(names);
    expect(names).toEqual(['label', 'probabilities']);
    for (const [rows, width] of [
      [1, 4],
      [3, 4],
      [2, 7],
    ] as const) {
      const cached = batchKey(input(rows, width), names);
      expect(cached).toBe(batchKey(input(rows, width), [...names]));
      expect(batchKey(input(rows, width), names)).toBe(cached);
    }
    expect(batchKey(input(1, 4), names)).not.toBe(batchKey(input(1, 5), names));
    expect(batchKey(input(1, 4), names)).not.toBe(batchKey(input(1, 4), ['probabilities']));
    // Requests that cannot be stacked have no key.
    const strings: DecodedTensor[] = [{ name: 's', datatype: 'BYTES', shape: [1, 1], data: ['a'] }];
    expect(batchKey(strings, names)).toBeNull();
    // Not even once a numeric input of the same width has its key cached.
    expect(batchKey(input(1, 1), names)).not.toBeNull();
    expect(batchKey(strings, names)).toBeNull();
  });
});
