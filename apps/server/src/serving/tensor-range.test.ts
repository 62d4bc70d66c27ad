/**
 * Issue 18.7 per datatype: JSON tensor values must fit the datatype (no float overflow to
 * Infinity, no integer wrap-around, no fractions for integers), and a float output JSON cannot
 * carry is refused instead of written as `null`.
 */
import { describe, expect, it } from 'vitest';
import type { Datatype } from '../registry/types.js';
import { jsonArrayText } from './oip-response.js';
import { decodeJsonTensor } from './tensor-codec.js';

const decode = (datatype: Datatype, data: unknown[]) =>
  decodeJsonTensor({ name: 'x', datatype, shape: [data.length], data }, { name: 'x', datatype, shape: [-1] });

/** Per datatype: values that fit (at the edges) and values that do not. */
export const RANGES: Array<[Datatype, number[], number[]]> = [
  ['FP16', [65504, -65504, 1e-8, 0.5], [65505, -70000, 1e300, Number.POSITIVE_INFINITY]],
  ['FP32', [3.4028234663852886e38, -3.4e38, 1e-50], [3.5e38, -1e39, 1e300, Number.NEGATIVE_INFINITY]],
  ['FP64', [Number.MAX_VALUE, -Number.MAX_VALUE], [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]],
  ['INT8', [127, -128], [128, -129, 1.5]],
  ['UINT8', [0, 255], [256, -1, 0.5]],
  ['INT16', [32767, -32768], [32768, -32769, 2.5]],
  ['UINT16', [65535, 0], [65536, -1]],
  ['INT32', [2147483647, -2147483648], [2147483648, -2147483649, 1.25]],
  ['UINT32', [4294967295, 0], [4294967296, -1]],
  ['INT64', [Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER], [2 ** 63, -(2 ** 64), 1e300, 0.5]],
  ['UINT64', [0, Number.MAX_SAFE_INTEGER], [-1, 2 ** 64, 1.5]],
];

describe('OIP numeric range checks per datatype (issue 18.7)', () => {
  it.each(RANGES)('%s takes its edge values and refuses the rest (issue 18.7)', (datatype, fits, refused) => {
    // Both code paths: the flat run (the FP32/FP64 hot loop) and one nested row per value.
    expect(() => decode(datatype, fits)).not.toThrow();
    for (const v of refused) {
      expect(() => decode(datatype, [v]), `${datatype} ${v}`).toThrow(/out of range|must be an integer/);
      expect(() => decode(datatype, [0, v]), `${datatype} ${v}`).toThrow(/out of range|must be an integer/);
    }
  });

  it('a float output that JSON cannot carry is refused, never written as null (issue 18.7)', () => {
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => jsonArrayText('FP32', new Float32Array([1, v]))).toThrow(/NaN or infinite/);
      expect(() => jsonArrayText('FP64', new Float64Array([v]))).toThrow(/NaN or infinite/);
    }
    expect(() => jsonArrayText('FP16', new Uint16Array([0x7c00]))).toThrow(/NaN or infinite/);
    expect(jsonArrayText('FP64', new Float64Array([1.5, -2e-10]))).toBe('[1.5,-2e-10]');
  });
});
