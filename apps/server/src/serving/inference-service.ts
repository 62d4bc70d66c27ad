/**
 * Runs inference for the Open Inference Protocol: resolves the version, decodes and checks the
 * request tensors, runs the session and encodes the requested outputs.
 */
import ort from 'onnxruntime-node';
import { ModelGardenError } from '../errors/model-garden-error.js';
import type { RegistryService, VersionSelector } from '../registry/registry-service.js';
import type { Datatype, ModelVersion } from '../registry/types.js';
import type { ModelManager } from './model-manager.js';
import { type DecodedTensor, decodeJsonTensor, type JsonTensor, toJsonData } from './tensor-codec.js';
import { ortTypeOf } from './tensor-types.js';

export interface InferRequest {
  id?: string | undefined;
  parameters?: Record<string, unknown> | undefined;
  inputs: JsonTensor[];
  outputs?: Array<{ name: string; parameters?: Record<string, unknown> | undefined }> | undefined;
}

export interface InferResponse {
  model_name: string;
  model_version: string;
  id?: string;
  parameters?: Record<string, string | number | boolean>;
  outputs: Array<{
    name: string;
    datatype: Datatype;
    shape: number[];
    data: Array<number | string | boolean>;
  }>;
}

export interface RawOutput {
  name: string;
  datatype: Datatype;
  shape: number[];
  data: ort.Tensor['data'];
}

export class InferenceService {
  constructor(
    readonly registry: RegistryService,
    readonly models: ModelManager,
  ) {}

  /** Resolves a version and makes sure its session is loaded. */
  async ready(name: string, selector: VersionSelector): Promise<ModelVersion> {
    const version = await this.registry.resolve(name, selector);
    await this.models.get(version);
    return version;
  }

  /**
   * Gets a version ready to take traffic (loaded; the engine warms it up) before an alias points at
   * it, so moving an alias never sends requests to a cold or broken version.
   */
  async prepare(version: ModelVersion): Promise<void> {
    await this.models.get(version);
  }

  /** Runs decoded tensors through a version; every model input must be present exactly once. */
  async run(version: ModelVersion, inputs: DecodedTensor[], outputNames?: string[]): Promise<RawOutput[]> {
    const { session } = await this.models.get(version);
    const feeds: Record<string, ort.Tensor> = {};
    for (const t of inputs) {
      feeds[t.name] = new ort.Tensor(ortTypeOf(t.datatype), t.data as ort.Tensor.DataType, t.shape);
    }
    const names = outputNames ?? version.outputs.map((o) => o.name);
    let results: ort.InferenceSession.OnnxValueMapType;
    try {
      results = await session.run(feeds, names);
    } catch (err) {
      // onnxruntime rejects inputs that pass the signature check but break the graph (e.g. a
      // dimension the graph fixes internally): that is the caller's input, not our failure.
      const reason = err instanceof Error ? err.message : String(err);
      throw new ModelGardenError('INVALID_INPUT', `The model rejected the input: ${reason}`, { cause: err });
    }
    return names.map((name) => {
      const t = results[name] as ort.Tensor;
      const spec = version.outputs.find((o) => o.name === name);
      return { name, datatype: spec?.datatype ?? 'FP32', shape: [...t.dims], data: t.data };
    });
  }

  async infer(name: string, selector: VersionSelector, request: InferRequest): Promise<InferResponse> {
    const version = await this.registry.resolve(name, selector);
    const decoded: DecodedTensor[] = [];
    const seen = new Set<string>();
    for (const input of request.inputs) {
      const spec = version.inputs.find((s) => s.name === input.name);
      if (!spec) {
        throw new ModelGardenError(
          'UNKNOWN_INPUT',
          `Unknown input "${input.name}"; the model takes ${version.inputs.map((i) => i.name).join(', ')}`,
        );
      }
      if (seen.has(input.name))
        throw new ModelGardenError('INVALID_INPUT', `Input "${input.name}" is given twice`);
      seen.add(input.name);
      decoded.push(decodeJsonTensor(input, spec));
    }
    const missing = version.inputs.filter((s) => !seen.has(s.name)).map((s) => s.name);
    if (missing.length > 0) {
      throw new ModelGardenError('MISSING_INPUT', `Missing input(s): ${missing.join(', ')}`);
    }
    let outputNames: string[] | undefined;
    if (request.outputs && request.outputs.length > 0) {
      outputNames = request.outputs.map((o) => o.name);
      for (const o of outputNames) {
        if (!version.outputs.some((s) => s.name === o)) {
          throw new ModelGardenError(
            'UNKNOWN_OUTPUT',
            `Unknown output "${o}"; the model has ${version.outputs.map((s) => s.name).join(', ')}`,
          );
        }
      }
    }
    const outputs = await this.run(version, decoded, outputNames);
    return {
      model_name: version.model,
      model_version: String(version.version),
      ...(request.id !== undefined ? { id: request.id } : {}),
      outputs: outputs.map((o) => ({
        name: o.name,
        datatype: o.datatype,
        shape: o.shape,
        data: toJsonData(o.datatype, o.data),
      })),
    };
  }
}
