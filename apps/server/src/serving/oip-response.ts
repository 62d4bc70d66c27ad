/**
 * Encodes an inference result for the wire: JSON written straight from the typed arrays (no
 * intermediate arrays, no generic serializer), and outputs the client asked for in binary appended
 * after the JSON header (binary tensor data extension).
 */
import { ModelGardenError } from '../errors/model-garden-error.js';
import type { Datatype } from '../registry/types.js';
import type { RawOutput } from './batching.js';
import { encodeBinaryData } from './binary-tensor.js';
import type { InferRequest, InferResult } from './inference-service.js';
import { fromHalfBits } from './tensor-codec.js';

export interface EncodedResponse {
  /** JSON text, or the JSON header followed by the binary outputs. */
  body: string | Buffer;
  /** Set when a binary section follows: the JSON header's length (Inference-Header-Content-Length). */
  headerLength?: number;
}

/** Which outputs go binary: per output `binary_data`, else the request's `binary_data_output`. */
function wantsBinary(request: InferRequest, name: string): boolean {
  const own = request.outputs?.find((o) => o.name === name)?.parameters?.binary_data;
  if (typeof own === 'boolean') return own;
  return request.parameters?.binary_data_output === true;
}

/**
 * A float output JSON cannot carry (NaN, ±Infinity): refused rather than written as `null`, which
 * would read as a number that is missing. The binary extension carries such values as they are.
 */
function notFinite(datatype: Datatype): never {
  throw new ModelGardenError(
    'INFERENCE_FAILED',
    `The model produced a ${datatype} output that is NaN or infinite, which JSON cannot carry; ask for the output in binary (binary_data_output)`,
  );
}

/** JSON array text of tensor data; a NaN or ±Infinity in a float output is INFERENCE_FAILED. */
export function jsonArrayText(datatype: Datatype, data: RawOutput['data']): string {
  if (Array.isArray(data)) return JSON.stringify(data);
  if (datatype === 'BOOL') return JSON.stringify(Array.from(data as ArrayLike<number>, Boolean));
  if (datatype === 'FP16') {
    const values = Array.from(data as Uint16Array, fromHalfBits);
    if (!values.every(Number.isFinite)) notFinite(datatype);
    return JSON.stringify(values);
  }
  const text = `[${(data as Float32Array).join(',')}]`;
  // Only NaN and Infinity put these letters in a float's text (exponents are written "e").
  if (datatype.startsWith('FP') && (text.includes('N') || text.includes('I'))) notFinite(datatype);
  return text;
}

export function encodeInferResponse(result: InferResult, request: InferRequest): EncodedResponse {
  let json = `{"model_name":${JSON.stringify(result.model_name)},"model_version":${JSON.stringify(result.model_version)}`;
  if (result.id !== undefined) json += `,"id":${JSON.stringify(result.id)}`;
  json += ',"outputs":[';
  const binaries: Uint8Array[] = [];
  result.outputs.forEach((o, i) => {
    if (i > 0) json += ',';
    json += `{"name":${JSON.stringify(o.name)},"datatype":"${o.datatype}","shape":[${o.shape.join(',')}]`;
    if (wantsBinary(request, o.name)) {
      const bytes = encodeBinaryData(o.datatype, o.data);
      binaries.push(bytes);
      json += `,"parameters":{"binary_data_size":${bytes.byteLength}}}`;
    } else {
      json += `,"data":${jsonArrayText(o.datatype, o.data)}}`;
    }
  });
  json += ']}';
  if (binaries.length === 0) return { body: json };
  const header = Buffer.from(json);
  return { body: Buffer.concat([header, ...binaries]), headerLength: header.byteLength };
}
