/**
 * The onnxruntime-node backend: opens an inference session from model bytes and reads the model's
 * input/output signature, which becomes the version's schema.
 */
import ort from 'onnxruntime-node';
import { ModelGardenError } from '../errors/model-garden-error.js';
import type { TensorSpec } from '../registry/types.js';
import { assertOnnxModel } from './onnx-guard.js';
import { oipDatatypeOf } from './tensor-types.js';

export interface SessionOptions {
  intraOpThreads?: number;
  interOpThreads?: number;
  executionProviders?: string[];
}

export interface LoadedSession {
  session: ort.InferenceSession;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

function toSpecs(metadata: readonly ort.InferenceSession.ValueMetadata[], side: string): TensorSpec[] {
  return metadata.map((m) => {
    if (!m.isTensor) {
      throw new ModelGardenError(
        'INVALID_MODEL_FILE',
        `${side} "${m.name}" is not a tensor (sequences and maps are not supported; export probabilities as a tensor)`,
      );
    }
    const datatype = oipDatatypeOf(m.type);
    if (!datatype) throw new ModelGardenError('INVALID_MODEL_FILE', `${side} "${m.name}" has type ${m.type}`);
    return {
      name: m.name,
      datatype,
      shape: m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)),
    };
  });
}

/**
 * Opens a session; a file onnxruntime cannot load fails with INVALID_MODEL_FILE (never a crash). The
 * bytes pass onnx-guard.ts first: no pickle, no malformed protobuf, no external data reaches onnxruntime.
 */
export async function openSession(bytes: Uint8Array, options: SessionOptions = {}): Promise<LoadedSession> {
  assertOnnxModel(bytes);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      executionProviders: options.executionProviders ?? ['cpu'],
      graphOptimizationLevel: 'all',
      ...(options.intraOpThreads ? { intraOpNumThreads: options.intraOpThreads } : {}),
      ...(options.interOpThreads ? { interOpNumThreads: options.interOpThreads } : {}),
    });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ModelGardenError('INVALID_MODEL_FILE', `onnxruntime cannot load the model: ${reason}`, {
      cause: err,
    });
  }
  try {
    return {
      session,
      inputs: toSpecs(session.inputMetadata, 'Input'),
      outputs: toSpecs(session.outputMetadata, 'Output'),
    };
  } catch (err) {
    await session.release();
    throw err;
  }
}
