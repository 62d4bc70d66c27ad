/**
 * The onnxruntime-node implementation of an instance runner: typed arrays in, typed arrays out,
 * no copies (an ort.Tensor wraps the request's buffer), plus the warm-up run a session gets before
 * it takes traffic.
 */
import ort from 'onnxruntime-node';
import { ModelGardenError } from '../errors/model-garden-error.js';
import type { ModelVersion, TensorSpec } from '../registry/types.js';
import type { RawOutput } from './batching.js';
import { clientReasonOf } from './ort-error.js';
import type { InstanceRunner } from './scheduler.js';
import type { DecodedTensor } from './tensor-codec.js';
import { allocate, ortTypeOf } from './tensor-types.js';

export function onnxRunner(session: ort.InferenceSession, outputs: readonly TensorSpec[]): InstanceRunner {
  const datatypes = new Map(outputs.map((o) => [o.name, o.datatype]));
  return async (inputs: DecodedTensor[], outputNames: string[]): Promise<RawOutput[]> => {
    const feeds: Record<string, ort.Tensor> = {};
    for (const t of inputs) {
      feeds[t.name] = new ort.Tensor(ortTypeOf(t.datatype), t.data as ort.Tensor.DataType, t.shape);
    }
    let results: ort.InferenceSession.OnnxValueMapType;
    try {
      results = await session.run(feeds, outputNames);
    } catch (err) {
      // onnxruntime rejects inputs that pass the signature check but break the graph (e.g. a
      // dimension the graph fixes internally): that is the caller's input, not our failure.
      // Without the library's internals (ort-error.ts); the full text stays the cause, for the log.
      const reason = clientReasonOf(err instanceof Error ? err.message : String(err));
      throw new ModelGardenError('INVALID_INPUT', `The model rejected the input: ${reason}`, { cause: err });
    }
    return outputNames.map((name) => {
      const t = results[name] as ort.Tensor;
      return {
        name,
        datatype: datatypes.get(name) ?? 'FP32',
        shape: [...t.dims],
        data: t.data as RawOutput['data'],
      };
    });
  };
}

/**
 * Zero-filled inputs of `rows` rows for a warm-up or measuring run, in the shape real requests will
 * have: an image model's dimensions come from its preprocessing config (a 224×224 detector is warmed
 * on 224×224, not 1×1). Undefined when a non-batch dimension is dynamic and nothing says its size:
 * the first real request's shape is measured instead.
 */
export function warmUpInputs(version: ModelVersion, rows = 1): DecodedTensor[] | undefined {
  const p = version.preprocessing;
  const inputs: DecodedTensor[] = [];
  for (const spec of version.inputs) {
    let shape = spec.shape.map((d, i) => (i === 0 && d < 0 ? rows : d));
    if (p && version.inputs.length === 1 && shape.length === 4) {
      const image = p.layout === 'NCHW' ? [p.channels, p.height, p.width] : [p.height, p.width, p.channels];
      shape = [shape[0]!, ...image.map((d, i) => (spec.shape[i + 1]! < 0 ? d : spec.shape[i + 1]!))];
    }
    if (shape.some((d) => d < 0)) return undefined;
    const count = shape.reduce((a, b) => a * b, 1);
    const data = allocate(spec.datatype, count);
    if (Array.isArray(data)) data.fill('');
    inputs.push({ name: spec.name, datatype: spec.datatype, shape, data });
  }
  return inputs;
}
