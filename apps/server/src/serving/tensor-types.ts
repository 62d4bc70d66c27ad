/**
 * Mapping between Open Inference Protocol datatypes, onnxruntime tensor types and typed arrays.
 */
import type { Datatype } from '../registry/types.js';

export type OrtType =
  | 'bool'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'float16'
  | 'float32'
  | 'float64'
  | 'string';

const ORT_TO_OIP: Record<OrtType, Datatype> = {
  bool: 'BOOL',
  uint8: 'UINT8',
  uint16: 'UINT16',
  uint32: 'UINT32',
  uint64: 'UINT64',
  int8: 'INT8',
  int16: 'INT16',
  int32: 'INT32',
  int64: 'INT64',
  float16: 'FP16',
  float32: 'FP32',
  float64: 'FP64',
  string: 'BYTES',
};

const OIP_TO_ORT = Object.fromEntries(Object.entries(ORT_TO_OIP).map(([k, v]) => [v, k])) as Record<
  Datatype,
  OrtType
>;

export function oipDatatypeOf(ortType: string): Datatype | undefined {
  return ORT_TO_OIP[ortType as OrtType];
}

export function ortTypeOf(datatype: Datatype): OrtType {
  return OIP_TO_ORT[datatype];
}

export type NumericArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | BigUint64Array
  | BigInt64Array
  | Float32Array
  | Float64Array;

/** Allocates the typed array that holds `length` elements of a datatype (BYTES has none). */
export function allocate(datatype: Datatype, length: number): NumericArray | string[] {
  switch (datatype) {
    case 'BOOL':
    case 'UINT8':
      return new Uint8Array(length);
    case 'INT8':
      return new Int8Array(length);
    case 'UINT16':
    case 'FP16':
      return new Uint16Array(length);
    case 'INT16':
      return new Int16Array(length);
    case 'UINT32':
      return new Uint32Array(length);
    case 'INT32':
      return new Int32Array(length);
    case 'UINT64':
      return new BigUint64Array(length);
    case 'INT64':
      return new BigInt64Array(length);
    case 'FP32':
      return new Float32Array(length);
    case 'FP64':
      return new Float64Array(length);
    case 'BYTES':
      return new Array<string>(length);
  }
}

/** Inclusive integer range of each integer datatype (64-bit ones as bigint). */
export const INTEGER_RANGES: Partial<Record<Datatype, [number | bigint, number | bigint]>> = {
  UINT8: [0, 255],
  INT8: [-128, 127],
  UINT16: [0, 65535],
  INT16: [-32768, 32767],
  UINT32: [0, 4294967295],
  INT32: [-2147483648, 2147483647],
  UINT64: [0n, 18446744073709551615n],
  INT64: [-9223372036854775808n, 9223372036854775807n],
};
