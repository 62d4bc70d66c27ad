/**
 * The onnxruntime-node implementation of an instance runner: typed arrays in, typed arrays out,
 * no copies (an ort.Tensor wraps the request's buffer), plus the warm-up run a session gets before
 * it takes traffic.
 */
import ort from 'onnxruntime-node';
import { ModelGardenError } from '../errors/model-garden-error.js';
import type { ModelVersion, TensorSpec } from '../registry/types.js';
import type { RawOutput } from './batching.js';
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
      const reason = err instanceof Error ? err.message : String(err);
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

/** Zero-filled inputs of batch 1 (every dynamic dimension 1) for a warm-up run. */
export function warmUpInputs(version: ModelVersion): DecodedTensor[] {
  return version.inputs.map((spec) => {
    const shape = spec.shape.map((d) => (d < 0 ? 1 : d));
    const count = shape.reduce((a, b) => a * b, 1);
    const data = allocate(spec.datatype, count);
    if (Array.isArray(data)) data.fill('');
    return { name: spec.name, datatype: spec.datatype, shape, data };
  });
}
