/**
 * Decodes JSON tensor data (flat or nested, per the Open Inference Protocol) into typed arrays
 * checked against the model's signature, and encodes output tensors back to JSON-safe arrays.
 */
import { ModelGardenError } from '../errors/model-garden-error.js';
import type { Datatype, TensorSpec } from '../registry/types.js';
import { decodeBinaryData } from './binary-tensor.js';
import { allocate, INTEGER_RANGES, type NumericArray } from './tensor-types.js';

export interface DecodedTensor {
  name: string;
  datatype: Datatype;
  shape: number[];
  data: NumericArray | string[];
}

export interface JsonTensor {
  name: string;
  datatype: string;
  shape: number[];
  parameters?: Record<string, unknown> | undefined;
  /** Absent when the tensor's bytes are in the request's binary section (`binary_data_size`). */
  data?: unknown;
}

/** Hard cap on elements in one tensor, so a request cannot allocate without bound. */
export const MAX_TENSOR_ELEMENTS = 16 * 1024 * 1024;

/** The largest finite float32 and float16 values: anything beyond would be stored as ±Infinity. */
const FP32_MAX = 3.4028234663852886e38;
const FP16_MAX = 65504;
const FLOAT_MAX: Partial<Record<Datatype, number>> = {
  FP16: FP16_MAX,
  FP32: FP32_MAX,
  FP64: Number.MAX_VALUE,
};

function outOfRange(name: string, datatype: Datatype, i: number, v: number): never {
  fail('INVALID_INPUT', `Input "${name}" element ${i} (${v}) is out of range for ${datatype}`);
}

function ragged(name: string, shape: number[], depth: number): never {
  throw new ModelGardenError(
    'INPUT_SHAPE_MISMATCH',
    `Input "${name}" has nested data that does not match its shape [${shape.join(',')}] (at depth ${depth})`,
    { details: { input: name, shape, depth } },
  );
}

/**
 * Writes a flat run of JSON values (no arrays in it) into the typed array from `start`; returns
 * where the run ends (which may be past the array's end: the caller compares the count).
 */
function writeFlat(
  name: string,
  datatype: Datatype,
  value: unknown[],
  out: NumericArray | string[],
  start: number,
  shape: number[],
  depth: number,
): number {
  const n = value.length;
  if (datatype === 'FP32' || datatype === 'FP64') {
    // Hot path: a run of floats goes into the array in one tight loop, each checked to fit.
    const f = out as Float32Array;
    const max = datatype === 'FP32' ? FP32_MAX : Number.MAX_VALUE;
    for (let i = 0; i < n; i++) {
      const v = value[i];
      if (typeof v === 'number' && v <= max && v >= -max) {
        f[start + i] = v; // a write past the end is a no-op; the leaf count catches it
        continue;
      }
      if (Array.isArray(v)) ragged(name, shape, depth + 1);
      if (typeof v === 'number') outOfRange(name, datatype, start + i, v);
      fail('INVALID_INPUT', `Input "${name}" element ${start + i} must be a number`);
    }
    return start + n;
  }
  for (let i = 0; i < n; i++) {
    const v = value[i];
    if (Array.isArray(v)) ragged(name, shape, depth + 1);
    if (start + i < out.length) fillElement(name, datatype, v, out, start + i);
  }
  return start + n;
}

/**
 * Writes nested JSON data whose structure must be the shape's: at depth d an array of shape[d]
 * elements, numbers only at the last dimension. Returns where the written values end.
 */
function writeNested(
  name: string,
  datatype: Datatype,
  value: unknown[],
  out: NumericArray | string[],
  start: number,
  shape: number[],
  depth: number,
): number {
  if (value.length !== shape[depth]) ragged(name, shape, depth);
  if (depth === shape.length - 1) return writeFlat(name, datatype, value, out, start, shape, depth);
  let cursor = start;
  for (const row of value) {
    if (!Array.isArray(row)) ragged(name, shape, depth + 1);
    cursor = writeNested(name, datatype, row, out, cursor, shape, depth + 1);
  }
  return cursor;
}

/** float32 → IEEE 754 half-precision bits. */
function toHalfBits(value: number): number {
  const f32 = new Float32Array([value]);
  const bits = new Uint32Array(f32.buffer)[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = ((bits >>> 23) & 0xff) - 127 + 15;
  const mant = bits & 0x7fffff;
  if (((bits >>> 23) & 0xff) === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  if (exp >= 0x1f) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    const m = (mant | 0x800000) >> (1 - exp);
    return sign | ((m + 0x1000) >> 13);
  }
  return sign | (exp << 10) | ((mant + 0x1000) >> 13);
}

/** IEEE 754 half-precision bits → number. */
export function fromHalfBits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (mant / 1024);
  if (exp === 0x1f) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exp - 15) * (1 + mant / 1024);
}

function fail(code: 'INVALID_INPUT' | 'INPUT_DATATYPE_MISMATCH', message: string): never {
  throw new ModelGardenError(code, message);
}

function fillElement(
  name: string,
  datatype: Datatype,
  v: unknown,
  out: NumericArray | string[],
  i: number,
): void {
  switch (datatype) {
    case 'BYTES':
      if (typeof v !== 'string') fail('INVALID_INPUT', `Input "${name}" element ${i} must be a string`);
      (out as string[])[i] = v;
      return;
    case 'BOOL':
      if (typeof v === 'boolean') (out as Uint8Array)[i] = v ? 1 : 0;
      else if (v === 0 || v === 1) (out as Uint8Array)[i] = v;
      else fail('INVALID_INPUT', `Input "${name}" element ${i} must be true or false`);
      return;
    case 'FP16':
    case 'FP32':
    case 'FP64': {
      if (typeof v !== 'number') fail('INVALID_INPUT', `Input "${name}" element ${i} must be a number`);
      const max = FLOAT_MAX[datatype]!;
      if (!(v <= max && v >= -max)) outOfRange(name, datatype, i, v);
      if (datatype === 'FP16') (out as Uint16Array)[i] = toHalfBits(v);
      else (out as Float32Array | Float64Array)[i] = v;
      return;
    }
    case 'INT64':
    case 'UINT64': {
      if (typeof v !== 'number' || !Number.isInteger(v)) {
        fail('INVALID_INPUT', `Input "${name}" element ${i} must be an integer`);
      }
      const range = INTEGER_RANGES[datatype]!;
      const big = BigInt(v);
      if (big < (range[0] as bigint) || big > (range[1] as bigint)) {
        fail('INVALID_INPUT', `Input "${name}" element ${i} is out of range for ${datatype}`);
      }
      (out as BigInt64Array | BigUint64Array)[i] = big;
      return;
    }
    default: {
      if (typeof v !== 'number' || !Number.isInteger(v)) {
        fail('INVALID_INPUT', `Input "${name}" element ${i} must be an integer`);
      }
      const range = INTEGER_RANGES[datatype]!;
      if (v < (range[0] as number) || v > (range[1] as number)) {
        fail('INVALID_INPUT', `Input "${name}" element ${i} (${v}) is out of range for ${datatype}`);
      }
      (out as Int32Array)[i] = v;
    }
  }
}

/** Checks a request tensor's shape against the signature; -1 in the signature matches any size. */
export function checkShape(name: string, shape: number[], spec: TensorSpec): void {
  const ok =
    spec.shape.length === 0 ||
    (shape.length === spec.shape.length && spec.shape.every((d, i) => d === -1 || d === shape[i]));
  if (!ok) {
    throw new ModelGardenError(
      'INPUT_SHAPE_MISMATCH',
      `Input "${name}" has shape [${shape.join(',')}] but the model expects [${spec.shape.join(',')}] (-1 = any)`,
      { details: { input: name, shape, expected: spec.shape } },
    );
  }
}

/** Checks an input's datatype and shape against its signature; returns its element count. */
function checkHeader(input: JsonTensor, spec: TensorSpec): number {
  if (input.datatype !== spec.datatype) {
    throw new ModelGardenError(
      'INPUT_DATATYPE_MISMATCH',
      `Input "${input.name}" has datatype ${input.datatype} but the model expects ${spec.datatype}`,
      { details: { input: input.name, datatype: input.datatype, expected: spec.datatype } },
    );
  }
  for (const d of input.shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new ModelGardenError(
        'INPUT_SHAPE_MISMATCH',
        `Input "${input.name}" has an invalid dimension ${d}`,
      );
    }
  }
  checkShape(input.name, input.shape, spec);
  const count = input.shape.reduce((a, b) => a * b, 1);
  if (count > MAX_TENSOR_ELEMENTS) {
    throw new ModelGardenError(
      'INVALID_INPUT',
      `Input "${input.name}" has ${count} elements; the limit is ${MAX_TENSOR_ELEMENTS}`,
    );
  }
  return count;
}

/**
 * Writes an input's JSON `data` into the typed array: a scalar, a flat array in row-major order, or
 * nested arrays that follow the shape exactly (ragged or mixed nesting is refused). Returns the
 * number of values the data holds.
 */
function writeData(input: JsonTensor, datatype: Datatype, out: NumericArray | string[]): number {
  const { name, shape, data } = input;
  if (!Array.isArray(data)) {
    if (out.length > 0) fillElement(name, datatype, data, out, 0);
    return 1;
  }
  if (data.length === 0 || !Array.isArray(data[0])) return writeFlat(name, datatype, data, out, 0, shape, 0);
  if (shape.length > 32) {
    throw new ModelGardenError('INVALID_INPUT', 'Tensor data is nested more than 32 levels deep');
  }
  return writeNested(name, datatype, data, out, 0, shape, 0);
}

/** Decodes one OIP JSON input against its signature. */
export function decodeJsonTensor(input: JsonTensor, spec: TensorSpec): DecodedTensor {
  const count = checkHeader(input, spec);
  if (input.data === undefined) {
    throw new ModelGardenError('INVALID_INPUT', `Input "${input.name}" has no "data" (nor binary_data_size)`);
  }
  const data = allocate(spec.datatype, count);
  const leaves = writeData(input, spec.datatype, data);
  if (leaves !== count) {
    throw new ModelGardenError(
      'INPUT_SHAPE_MISMATCH',
      `Input "${input.name}" has ${leaves} elements but shape [${input.shape.join(',')}] needs ${count}`,
      { details: { input: input.name, elements: leaves, expected: count } },
    );
  }
  return { name: input.name, datatype: spec.datatype, shape: input.shape, data };
}

/**
 * Decodes one OIP input, from JSON `data` or, with `parameters.binary_data_size`, from the request's
 * binary section at `offset`. Returns the tensor and where the next input's bytes start.
 */
export function decodeInputTensor(
  input: JsonTensor,
  spec: TensorSpec,
  binary: Uint8Array | undefined,
  offset: number,
): { tensor: DecodedTensor; binaryEnd: number } {
  const size = input.parameters?.binary_data_size;
  if (size === undefined) return { tensor: decodeJsonTensor(input, spec), binaryEnd: offset };
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new ModelGardenError('INVALID_INPUT', `Input "${input.name}" has an invalid binary_data_size`);
  }
  if (!binary || offset + size > binary.length) {
    throw new ModelGardenError(
      'INVALID_INPUT',
      `Input "${input.name}" needs ${size} bytes of binary data but the request's binary section is shorter`,
    );
  }
  if (input.data !== undefined) {
    throw new ModelGardenError('INVALID_INPUT', `Input "${input.name}" has both "data" and binary_data_size`);
  }
  const count = checkHeader(input, spec);
  const data = decodeBinaryData(input.name, spec.datatype, binary.subarray(offset, offset + size), count);
  return {
    tensor: { name: input.name, datatype: spec.datatype, shape: input.shape, data },
    binaryEnd: offset + size,
  };
}

/** Converts output tensor data to JSON-safe values (64-bit integers as numbers, FP16 decoded). */
export function toJsonData(datatype: Datatype, data: unknown): Array<number | string | boolean> {
  if (datatype === 'BOOL') return Array.from(data as ArrayLike<number | boolean>, (v) => Boolean(v));
  if (datatype === 'BYTES') return Array.from(data as string[]);
  if (datatype === 'FP16') return Array.from(data as Uint16Array, fromHalfBits);
  if (datatype === 'INT64' || datatype === 'UINT64') return Array.from(data as BigInt64Array, Number);
  return Array.from(data as Float32Array);
}
