/**
 * Runs inference for both protocols: resolves the version, decodes and checks the request tensors
 * (JSON or binary), and hands them to the version's scheduler, which batches, bounds and times them.
 */
import { ModelGardenError } from '../errors/model-garden-error.js';
import type { RegistryService, VersionSelector } from '../registry/registry-service.js';
import type { ModelVersion } from '../registry/types.js';
import { outputNamesOf, type RawOutput } from './batching.js';
import type { EngineObserver, ModelManager } from './model-manager.js';
import { type CancelSignal, SchedulerClosedError } from './scheduler.js';
import { MAX_REQUEST_TIMEOUT_MS } from './serving-config.js';
import { type DecodedTensor, decodeInputTensor, type JsonTensor } from './tensor-codec.js';

export type { RawOutput } from './batching.js';

export interface InferRequest {
  id?: string | undefined;
  parameters?: Record<string, unknown> | undefined;
  inputs: JsonTensor[];
  outputs?: Array<{ name: string; parameters?: Record<string, unknown> | undefined }> | undefined;
}

/** The result of an OIP inference before it is encoded (JSON or binary) for the wire. */
export interface InferResult {
  model_name: string;
  model_version: string;
  id?: string;
  outputs: RawOutput[];
}

export interface RunOptions {
  /** The request's own deadline in ms; capped at MAX_REQUEST_TIMEOUT_MS. Default: the model's `timeoutMs`. */
  timeoutMs?: number | undefined;
  signal?: CancelSignal | undefined;
  /** The binary section of an OIP request (binary tensor data extension). */
  binary?: Uint8Array | undefined;
}

export class InferenceService {
  constructor(
    readonly registry: RegistryService,
    readonly models: ModelManager,
    private readonly observer?: Pick<EngineObserver, 'rejected'>,
  ) {}

  /** Resolves a version and makes sure its session is loaded. */
  async ready(name: string, selector: VersionSelector): Promise<ModelVersion> {
    const version = await this.registry.resolve(name, selector);
    await this.models.get(version);
    return version;
  }

  /**
   * Gets a version ready to take traffic (loaded and warmed up) before an alias points at it, so
   * moving an alias never sends requests to a cold or broken version.
   */
  async prepare(version: ModelVersion): Promise<void> {
    await this.models.get(version);
  }

  /**
   * Runs decoded tensors through a version's scheduler; every model input must be present exactly
   * once. A loaded, warm version goes straight to its scheduler (no async layer of its own: on a
   * small model each one is a measurable share of a request); otherwise the version is loaded first.
   */
  run(
    version: ModelVersion,
    inputs: DecodedTensor[],
    outputNames?: string[],
    options: RunOptions = {},
  ): Promise<RawOutput[]> {
    const ordered =
      inputs.length === 1 ? inputs : version.inputs.map((spec) => inputs.find((t) => t.name === spec.name)!);
    const names = outputNames ?? outputNamesOf(version);
    const timeoutMs =
      options.timeoutMs === undefined
        ? undefined
        : Math.min(Math.max(1, options.timeoutMs), MAX_REQUEST_TIMEOUT_MS);
    const loaded = version.status === 'ready' ? this.models.peek(version.model, version.version) : undefined;
    if (loaded !== undefined && !loaded.scheduler.draining) {
      return loaded.scheduler.submit(ordered, names, { timeoutMs, signal: options.signal });
    }
    return this.loadAndRun(version, ordered, names, timeoutMs, options.signal);
  }

  private async loadAndRun(
    version: ModelVersion,
    inputs: DecodedTensor[],
    outputNames: string[],
    timeoutMs: number | undefined,
    signal: RunOptions['signal'],
  ): Promise<RawOutput[]> {
    for (let attempt = 0; ; attempt++) {
      let loaded: Awaited<ReturnType<ModelManager['get']>>;
      try {
        // Loads the version (or waits for its load).
        loaded = await this.models.get(version);
      } catch (err) {
        this.observer?.rejected(version.model, version.version, 'not_ready');
        throw err;
      }
      try {
        return await loaded.scheduler.submit(inputs, outputNames, { timeoutMs, signal });
      } catch (err) {
        // The version was retired between get() and submit(): a fresh load serves it.
        if (err instanceof SchedulerClosedError && attempt < 2) continue;
        throw err;
      }
    }
  }

  async infer(
    name: string,
    selector: VersionSelector,
    request: InferRequest,
    options: RunOptions = {},
  ): Promise<InferResult> {
    const version =
      this.registry.resolveCached(name, selector) ?? (await this.registry.resolve(name, selector));
    let decoded: DecodedTensor[];
    let outputNames: string[] | undefined;
    let timeoutMs: number | undefined;
    try {
      decoded = this.decodeInputs(version, request, options.binary);
      outputNames = this.outputNames(version, request);
      timeoutMs = timeoutParameter(request.parameters);
    } catch (err) {
      this.observer?.rejected(version.model, version.version, 'invalid_input');
      throw err;
    }
    const outputs = await this.run(version, decoded, outputNames, {
      ...options,
      timeoutMs: options.timeoutMs ?? timeoutMs,
    });
    return {
      model_name: version.model,
      model_version: String(version.version),
      ...(request.id !== undefined ? { id: request.id } : {}),
      outputs,
    };
  }

  private decodeInputs(version: ModelVersion, request: InferRequest, binary?: Uint8Array): DecodedTensor[] {
    const decoded: DecodedTensor[] = [];
    const seen = new Set<string>();
    let offset = 0;
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
      const tensor = decodeInputTensor(input, spec, binary, offset);
      offset = tensor.binaryEnd;
      decoded.push(tensor.tensor);
    }
    if (binary && offset !== binary.length) {
      throw new ModelGardenError(
        'INVALID_INPUT',
        `The binary section has ${binary.length} bytes but the inputs' binary_data_size add up to ${offset}`,
      );
    }
    const missing = version.inputs.filter((s) => !seen.has(s.name)).map((s) => s.name);
    if (missing.length > 0) {
      throw new ModelGardenError('MISSING_INPUT', `Missing input(s): ${missing.join(', ')}`);
    }
    return decoded;
  }

  private outputNames(version: ModelVersion, request: InferRequest): string[] | undefined {
    if (!request.outputs || request.outputs.length === 0) return undefined;
    const names = request.outputs.map((o) => o.name);
    for (const [i, o] of names.entries()) {
      // One answer per output: the same output asked for twice is a mistake in the request.
      if (names.indexOf(o) !== i)
        throw new ModelGardenError('INVALID_INPUT', `Output "${o}" is requested twice`);
      if (!version.outputs.some((s) => s.name === o)) {
        throw new ModelGardenError(
          'UNKNOWN_OUTPUT',
          `Unknown output "${o}"; the model has ${version.outputs.map((s) => s.name).join(', ')}`,
        );
      }
    }
    return names;
  }
}

/**
 * Triton's request parameter `timeout` is in microseconds; we take it as the request's deadline.
 * Checked as REST's `?timeoutMs=` is: a whole number of µs from 1 up to MAX_REQUEST_TIMEOUT_MS.
 */
function timeoutParameter(parameters: Record<string, unknown> | undefined): number | undefined {
  const us = parameters?.timeout;
  if (us === undefined) return undefined;
  if (typeof us !== 'number' || !Number.isInteger(us) || us < 1 || us > MAX_REQUEST_TIMEOUT_MS * 1000) {
    throw new ModelGardenError(
      'INVALID_INPUT',
      `parameters.timeout must be a whole number of microseconds from 1 to ${MAX_REQUEST_TIMEOUT_MS * 1000}`,
    );
  }
  return Math.ceil(us / 1000);
}
