/**
 * Merging requests into one batch along the first dimension and splitting a batch's outputs back,
 * as views (subarray) so no request pays for a copy of its own result.
 */
import type { ModelVersion } from '../registry/types.js';
import type { DecodedTensor } from './tensor-codec.js';
import { POOL_MIN_BYTES, tensorPool } from './tensor-pool.js';
import type { NumericArray } from './tensor-types.js';

/** An output tensor as onnxruntime returned it (data may be a view into a batch's buffer). */
export interface RawOutput {
  name: string;
  datatype: ModelVersion['outputs'][number]['datatype'];
  shape: number[];
  data: NumericArray | string[];
}

/** True when every input and output has a dynamic first dimension, so requests can be stacked. */
export function isBatchable(version: ModelVersion): boolean {
  const dynamicFirst = (s: { shape: number[]; datatype: string }) =>
    s.shape.length >= 1 && s.shape[0] === -1 && s.datatype !== 'BYTES';
  return (
    version.inputs.length > 0 && version.inputs.every(dynamicFirst) && version.outputs.every(dynamicFirst)
  );
}

/**
 * The key requests must share to run in one batch (same outputs, same non-batch dimensions), or
 * null when this request cannot join a batch.
 */
export function batchKey(inputs: DecodedTensor[], outputNames: string[]): string | null {
  const rows = inputs[0]?.shape[0];
  // The commonest request, one 2-D input with a version's own output list (outputNamesOf): its key
  // is cached by width.
  const width = inputs.length === 1 && inputs[0]!.shape.length === 2 ? inputs[0]!.shape[1]! : undefined;
  const cache = width === undefined ? undefined : twoDimKeys.get(outputNames);
  const cached = cache?.get(width!);
  // (Text tensors never join a batch: they are not given a key, cached or not.)
  if (cached !== undefined && !Array.isArray(inputs[0]!.data)) return cached;
  let key = outputNames.join(',');
  for (const t of inputs) {
    if (t.shape.length === 0 || t.shape[0] !== rows || Array.isArray(t.data)) return null;
    key += `|${t.shape.slice(1).join('x')}`;
  }
  cache?.set(width!, key);
  return key;
}

/** batchKey's answers for one 2-D input, by output-name array (outputNamesOf's) and width. */
const twoDimKeys = new WeakMap<string[], Map<number, string>>();
const allOutputs = new WeakMap<ModelVersion, string[]>();

/** Every output of a version, by name: one array per (cached) version object, not one per request. */
export function outputNamesOf(version: ModelVersion): string[] {
  let names = allOutputs.get(version);
  if (names === undefined) {
    names = version.outputs.map((o) => o.name);
    allOutputs.set(version, names);
    twoDimKeys.set(names, new Map());
  }
  return names;
}

/** Stacks the same-named inputs of several requests (given in the same input order) into one tensor each. */
export function mergeInputs(requests: DecodedTensor[][]): DecodedTensor[] {
  const first = requests[0]!;
  return first.map((proto, i) => {
    let rows = 0;
    let length = 0;
    for (const r of requests) {
      rows += r[i]!.shape[0]!;
      length += r[i]!.data.length;
    }
    const Ctor = (proto.data as NumericArray).constructor as {
      new (n: number): NumericArray;
      new (buffer: ArrayBuffer, offset: number, n: number): NumericArray;
      BYTES_PER_ELEMENT: number;
    };
    // A large batch goes into a pooled buffer, given back once the batch ran (scheduler.ts).
    const bytes = length * Ctor.BYTES_PER_ELEMENT;
    const data = bytes >= POOL_MIN_BYTES ? new Ctor(tensorPool.take(bytes), 0, length) : new Ctor(length);
    let offset = 0;
    for (const r of requests) {
      const part = r[i]!.data as NumericArray;
      (data as Float32Array).set(part as Float32Array, offset);
      offset += part.length;
    }
    return { name: proto.name, datatype: proto.datatype, shape: [rows, ...proto.shape.slice(1)], data };
  });
}

/**
 * Splits a batch's outputs back per request by row counts; each piece is a view into the batch's
 * buffer. Returns null when an output's first dimension is not the batch's row count.
 */
export function splitOutputs(outputs: RawOutput[], rowCounts: number[]): RawOutput[][] | null {
  const total = rowCounts.reduce((a, b) => a + b, 0);
  for (const o of outputs) if (o.shape[0] !== total) return null;
  const result: RawOutput[][] = rowCounts.map(() => []);
  for (const o of outputs) {
    const perRow = total === 0 ? 0 : o.data.length / total;
    let row = 0;
    rowCounts.forEach((rows, j) => {
      const start = row * perRow;
      const data = Array.isArray(o.data)
        ? o.data.slice(start, start + rows * perRow)
        : (o.data as Float32Array).subarray(start, start + rows * perRow);
      result[j]!.push({ name: o.name, datatype: o.datatype, shape: [rows, ...o.shape.slice(1)], data });
      row += rows;
    });
  }
  return result;
}
