import { describe, expect, it } from 'vitest';
import type { TensorSpec } from '../registry/types.js';
import { decodeJsonTensor, fromHalfBits, toJsonData } from './tensor-codec.js';

const spec = (datatype: TensorSpec['datatype'], shape: number[]): TensorSpec => ({
  name: 'x',
  datatype,
  shape,
});
const decode = (
  datatype: TensorSpec['datatype'],
  shape: number[],
  data: unknown,
  s = spec(datatype, shape),
) => decodeJsonTensor({ name: 'x', datatype, shape, data }, s);

describe('decodeJsonTensor', () => {
  it('decodes flat and nested data into the same typed array', () => {
    const flat = decode('FP32', [2, 2], [1, 2, 3, 4], spec('FP32', [-1, 2]));
    const nested = decode(
      'FP32',
      [2, 2],
      [
        [1, 2],
        [3, 4],
      ],
      spec('FP32', [-1, 2]),
    );
    expect(flat.data).toBeInstanceOf(Float32Array);
    expect(Array.from(flat.data as Float32Array)).toEqual([1, 2, 3, 4]);
    expect(nested.data).toEqual(flat.data);
  });

  it.each([
    ['INT8', [127, -128], Int8Array],
    ['UINT8', [0, 255], Uint8Array],
    ['INT16', [-32768, 32767], Int16Array],
    ['UINT16', [0, 65535], Uint16Array],
    ['INT32', [-2147483648, 2147483647], Int32Array],
    ['UINT32', [0, 4294967295], Uint32Array],
    ['FP64', [0.1, -2.5], Float64Array],
  ] as const)('decodes %s into its typed array', (datatype, values, type) => {
    const t = decode(datatype, [2], values);
    expect(t.data).toBeInstanceOf(type);
    expect(Array.from(t.data as ArrayLike<number>)).toEqual(values);
  });

  it('decodes 64-bit integers as bigint and booleans as bytes', () => {
    expect(Array.from(decode('INT64', [2], [-5, 9007199254740991]).data as BigInt64Array)).toEqual([
      -5n,
      9007199254740991n,
    ]);
    expect(Array.from(decode('BOOL', [3], [true, false, 1]).data as Uint8Array)).toEqual([1, 0, 1]);
    expect(decode('BYTES', [2], ['a', 'b']).data).toEqual(['a', 'b']);
  });

  it('round-trips FP16 through half-precision bits', () => {
    const t = decode('FP16', [3], [1, -2.5, 0.0999755859375]);
    expect(Array.from(t.data as Uint16Array, fromHalfBits)).toEqual([1, -2.5, 0.0999755859375]);
  });

  it.each([
    ['out-of-range integers', 'UINT8', [2], [0, 256], 'out of range'],
    ['fractional integers', 'INT32', [1], [1.5], 'integer'],
    ['strings as numbers', 'FP32', [1], ['1'], 'number'],
    ['non-booleans as BOOL', 'BOOL', [1], ['yes'], 'true or false'],
    ['too few elements', 'FP32', [2, 2], [1, 2, 3], '3 elements'],
  ] as const)('rejects %s', (_n, datatype, shape, data, fragment) => {
    expect(() => decode(datatype, [...shape], data)).toThrow(fragment);
  });

  it('rejects shape and datatype mismatches with their own codes', () => {
    expect(() => decode('FP32', [3], [1, 2, 3], spec('FP32', [2]))).toThrow(
      expect.objectContaining({ code: 'INPUT_SHAPE_MISMATCH' }),
    );
    expect(() => decode('FP64', [2], [1, 2], spec('FP32', [2]))).toThrow(
      expect.objectContaining({ code: 'INPUT_DATATYPE_MISMATCH' }),
    );
  });

  it('refuses tensors over the element cap before allocating', () => {
    expect(() => decode('FP32', [100_000, 100_000], [], spec('FP32', [-1, -1]))).toThrow('limit');
  });
});

describe('toJsonData', () => {
  it('turns bigint, bool and fp16 outputs into JSON values', () => {
    expect(toJsonData('INT64', new BigInt64Array([3n, -4n]))).toEqual([3, -4]);
    expect(toJsonData('BOOL', new Uint8Array([1, 0]))).toEqual([true, false]);
    expect(toJsonData('FP16', new Uint16Array([0x3c00]))).toEqual([1]);
  });
});
