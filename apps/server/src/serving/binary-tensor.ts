/**
 * The raw byte layout of the OIP binary tensor data extension (Triton's `binary_tensor_data`):
 * little-endian elements, row-major; BYTES as 4-byte little-endian lengths each followed by the bytes.
 */
import { ModelGardenError } from '../errors/model-garden-error.js';
import type { Datatype } from '../registry/types.js';
import { POOL_MIN_BYTES, tensorPool } from './tensor-pool.js';
import type { NumericArray } from './tensor-types.js';

export const CTORS: Record<
  Exclude<Datatype, 'BYTES'>,
  { new (b: ArrayBuffer, o: number, n: number): NumericArray; BYTES_PER_ELEMENT: number }
> = {
  BOOL: Uint8Array,
  UINT8: Uint8Array,
  INT8: Int8Array,
  UINT16: Uint16Array,
  INT16: Int16Array,
  FP16: Uint16Array,
  UINT32: Uint32Array,
  INT32: Int32Array,
  UINT64: BigUint64Array,
  INT64: BigInt64Array,
  FP32: Float32Array,
  FP64: Float64Array,
};

/**
 * The bytes as a typed array. A large tensor is copied into a pooled buffer (aligned or not: one
 * copy, no allocation, and the request body is not kept alive by a view of it); a small one is a view
 * over the bytes when they are aligned, one copy when not.
 */
export function decodeBinaryData(
  name: string,
  datatype: Datatype,
  bytes: Uint8Array,
  count: number,
): NumericArray | string[] {
  if (datatype === 'BYTES') return decodeBytesElements(name, bytes, count);
  const Ctor = CTORS[datatype];
  if (bytes.byteLength !== count * Ctor.BYTES_PER_ELEMENT) {
    throw new ModelGardenError(
      'INPUT_SHAPE_MISMATCH',
      `Input "${name}" has ${bytes.byteLength} bytes of binary data but its shape needs ${count * Ctor.BYTES_PER_ELEMENT}`,
    );
  }
  // The binary section already read into a pooled buffer (http/routes/serving-support.ts): an
  // aligned tensor is a view of it, given back with the request's other inputs after its batch.
  if (tensorPool.owns(bytes.buffer) && bytes.byteOffset % Ctor.BYTES_PER_ELEMENT === 0) {
    return new Ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset, count);
  }
  if (bytes.byteLength >= POOL_MIN_BYTES) {
    const buffer = tensorPool.take(bytes.byteLength);
    new Uint8Array(buffer, 0, bytes.byteLength).set(bytes);
    return new Ctor(buffer, 0, count);
  }
  // (Buffer#slice is a view, so copy through the Uint8Array constructor)
  const aligned = bytes.byteOffset % Ctor.BYTES_PER_ELEMENT === 0 ? bytes : new Uint8Array(bytes);
  return new Ctor(aligned.buffer as ArrayBuffer, aligned.byteOffset, count);
}

function decodeBytesElements(name: string, bytes: Uint8Array, count: number): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: string[] = [];
  const decoder = new TextDecoder();
  let at = 0;
  while (at < bytes.byteLength) {
    if (at + 4 > bytes.byteLength) break;
    const len = view.getUint32(at, true);
    at += 4;
    if (at + len > bytes.byteLength) break;
    out.push(decoder.decode(bytes.subarray(at, at + len)));
    at += len;
  }
  if (at !== bytes.byteLength || out.length !== count) {
    throw new ModelGardenError(
      'INPUT_SHAPE_MISMATCH',
      `Input "${name}" binary BYTES data does not hold ${count} length-prefixed elements`,
    );
  }
  return out;
}

/** The bytes of an output tensor: a view for numeric data, an encoding for BYTES. */
export function encodeBinaryData(datatype: Datatype, data: NumericArray | string[]): Uint8Array {
  if (Array.isArray(data)) {
    const parts = data.map((s) => Buffer.from(String(s), 'utf8'));
    const out = Buffer.allocUnsafe(parts.reduce((n, p) => n + 4 + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.writeUInt32LE(p.length, at);
      p.copy(out, at + 4);
      at += 4 + p.length;
    }
    return out;
  }
  if (datatype === 'BOOL' && !(data instanceof Uint8Array))
    return Uint8Array.from(data as ArrayLike<number>, Boolean as never);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
