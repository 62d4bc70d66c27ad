/**
 * Friendly predictions: named features for tabular models and pictures for image models in,
 * labelled probabilities (sorted, top-k) or regression values out.
 */
import { ModelGardenError } from '../errors/model-garden-error.js';
import { inSpan } from '../observability/tracing.js';
import type { VersionSelector } from '../registry/registry-service.js';
import type { ModelVersion, TensorSpec } from '../registry/types.js';
import { preprocessImage } from './image-preprocess.js';
import type { InferenceService, RawOutput, RunOptions } from './inference-service.js';
import { fromHalfBits } from './tensor-codec.js';
import { POOL_MIN_BYTES, tensorPool } from './tensor-pool.js';

export type FeatureRow = Record<string, unknown> | unknown[];

/** `inputs` of a friendly request as rows: a list of rows (objects or arrays), or one row on its own. */
export function featureRowsOf(inputs: FeatureRow | FeatureRow[]): FeatureRow[] {
  return Array.isArray(inputs) && inputs.every((r) => typeof r === 'object' && r !== null)
    ? (inputs as FeatureRow[])
    : [inputs as FeatureRow];
}

export interface LabelledProbability {
  label: string;
  probability: number;
}

export interface Prediction {
  label?: string;
  probability?: number;
  probabilities?: LabelledProbability[];
  value?: number;
  values?: number[];
}

export interface PredictResult {
  model: string;
  version: number;
  predictions: Prediction[];
}

export interface PredictLimits {
  maxRows: number;
  maxImages: number;
  /** Pixels an image's header may claim (MAX_IMAGE_PIXELS); larger ones are IMAGE_TOO_LARGE. */
  maxImagePixels?: number;
}

function fail(
  code: 'INVALID_INPUT' | 'UNKNOWN_FEATURE' | 'MISSING_FEATURE' | 'UNSUPPORTED_TASK',
  message: string,
) {
  return new ModelGardenError(code, message);
}

/** The single 2-D (or 1-D per row) float input a tabular model takes. */
function tabularInput(version: ModelVersion): { spec: TensorSpec; width: number } {
  const [spec, ...rest] = version.inputs;
  const width = spec?.shape.at(-1);
  if (!spec || rest.length > 0 || spec.shape.length !== 2 || width === undefined || width < 1) {
    throw fail(
      'UNSUPPORTED_TASK',
      `Model "${version.model}" does not take one [batch, features] input; use /v2 infer`,
    );
  }
  if (spec.datatype !== 'FP32' && spec.datatype !== 'FP64') {
    throw fail('UNSUPPORTED_TASK', `Model "${version.model}" takes ${spec.datatype} input; use /v2 infer`);
  }
  return { spec, width };
}

function featureNames(version: ModelVersion, width: number): string[] {
  return version.featureNames && version.featureNames.length === width
    ? version.featureNames
    : Array.from({ length: width }, (_, i) => `x${i}`);
}

/** Picks the output that holds class scores or regression values: a float tensor, preferably named so. */
function mainOutput(outputs: RawOutput[], labels: string[] | null): RawOutput {
  const floats = outputs.filter(
    (o) => o.datatype === 'FP32' || o.datatype === 'FP64' || o.datatype === 'FP16',
  );
  const byName = floats.find((o) => /prob|score|logit|output/i.test(o.name));
  const byWidth = labels ? floats.find((o) => o.shape.at(-1) === labels.length) : undefined;
  const chosen = byWidth ?? byName ?? floats[0];
  if (!chosen) throw new ModelGardenError('INFERENCE_FAILED', 'The model produced no floating-point output');
  return chosen;
}

/** The output's rows as plain numbers (FP16 decoded); a loop, as Array.from over a typed array is slow. */
function rowValues(out: RawOutput, rows: number): number[][] {
  const data = out.data as ArrayLike<number>;
  const half = out.datatype === 'FP16';
  const width = rows > 0 ? data.length / rows : 0;
  const result: number[][] = [];
  for (let r = 0; r < rows; r++) {
    const row: number[] = [];
    for (let c = 0; c < width; c++) {
      const v = data[r * width + c]!;
      row.push(half ? fromHalfBits(v) : Number(v));
    }
    result.push(row);
  }
  return result;
}

/** Softmax unless the row already is a probability distribution. */
function asProbabilities(row: number[]): number[] {
  const sum = row.reduce((a, b) => a + b, 0);
  if (row.every((v) => v >= 0 && v <= 1) && Math.abs(sum - 1) < 1e-3) return row;
  const max = Math.max(...row);
  const exps = row.map((v) => Math.exp(v - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((v) => v / total);
}

function toPredictions(
  version: ModelVersion,
  outputs: RawOutput[],
  rows: number,
  topK?: number,
): Prediction[] {
  const labels = version.labels;
  const values = rowValues(mainOutput(outputs, labels), rows);
  if (version.task === 'tabular-regression' || !labels || labels.length === 0) {
    return values.map((v) => (v.length === 1 ? { value: v[0]! } : { values: v }));
  }
  return values.map((row) => {
    const probs = asProbabilities(row);
    const ranked = rankDescending(
      probs.map((probability, i) => ({ label: labels[i] ?? String(i), probability })),
    );
    const top = ranked[0]!;
    return {
      label: top.label,
      probability: top.probability,
      probabilities: topK === undefined || topK >= ranked.length ? ranked : ranked.slice(0, topK),
    };
  });
}

/**
 * Sorts by probability, highest first, in place and stably. A model's classes are usually a handful:
 * those take an insertion sort, as Array#sort allocates a work copy on every call (a per-request
 * cost on small predictions); long lists (ImageNet's thousand) take Array#sort.
 */
function rankDescending(list: LabelledProbability[]): LabelledProbability[] {
  if (list.length > 32) return list.sort((a, b) => b.probability - a.probability);
  for (let i = 1; i < list.length; i++) {
    const item = list[i]!;
    let j = i - 1;
    while (j >= 0 && list[j]!.probability < item.probability) {
      list[j + 1] = list[j]!;
      j--;
    }
    list[j + 1] = item;
  }
  return list;
}

export class PredictService {
  constructor(
    private readonly inference: InferenceService,
    private readonly limits: PredictLimits,
  ) {}

  resolve(name: string, selector: VersionSelector): Promise<ModelVersion> {
    return this.inference.registry.resolve(name, selector);
  }

  /**
   * Not an async function: a small prediction's time is mostly per-request overhead, and each async
   * layer between the route and the scheduler costs a promise and a resumption. Checks throw
   * synchronously; the route awaits the result either way.
   */
  predictRows(
    version: ModelVersion,
    rows: FeatureRow[],
    topK?: number,
    options: RunOptions = {},
  ): Promise<PredictResult> {
    if (version.task === 'image-classification') {
      throw fail(
        'INVALID_INPUT',
        `Model "${version.model}" takes images: send "image" (base64) or a multipart upload`,
      );
    }
    if (version.task === 'tensor') {
      throw fail(
        'UNSUPPORTED_TASK',
        `Model "${version.model}" takes raw tensors; use /v2/models/${version.model}/infer`,
      );
    }
    if (rows.length === 0) throw fail('INVALID_INPUT', '"inputs" has no rows');
    if (rows.length > this.limits.maxRows) {
      throw fail('INVALID_INPUT', `Too many rows (${rows.length}); the limit is ${this.limits.maxRows}`);
    }
    const { spec, width } = tabularInput(version);
    const data = inSpan('preprocess', { 'modelgarden.rows': rows.length }, () =>
      encodeRows(version, spec, width, rows),
    );
    return this.inference
      .run(
        version,
        [{ name: spec.name, datatype: spec.datatype, shape: [rows.length, width], data }],
        undefined,
        options,
      )
      .then((outputs) => ({
        model: version.model,
        version: version.version,
        predictions: inSpan('postprocess', {}, () => toPredictions(version, outputs, rows.length, topK)),
      }));
  }

  async predictImages(
    version: ModelVersion,
    images: Uint8Array[],
    topK?: number,
    options: RunOptions = {},
  ): Promise<PredictResult> {
    const p = version.preprocessing;
    if (version.task !== 'image-classification' || !p) {
      throw fail('INVALID_INPUT', `Model "${version.model}" does not take images; send "inputs"`);
    }
    if (images.length === 0) throw fail('INVALID_INPUT', 'No image given');
    if (images.length > this.limits.maxImages) {
      throw fail(
        'INVALID_INPUT',
        `Too many images (${images.length}); the limit is ${this.limits.maxImages}`,
      );
    }
    const spec = version.inputs[0]!;
    const per = p.width * p.height * p.channels;
    // Every element is written below; a large tensor takes a pooled buffer (given back after its batch).
    const count = per * images.length;
    const data =
      count * 4 >= POOL_MIN_BYTES
        ? new Float32Array(tensorPool.take(count * 4), 0, count)
        : new Float32Array(count);
    await inSpan('preprocess', { 'modelgarden.images': images.length }, async () => {
      for (const [i, bytes] of images.entries())
        await preprocessImage(bytes, p, data, i * per, this.limits.maxImagePixels);
    });
    const shape =
      p.layout === 'NCHW'
        ? [images.length, p.channels, p.height, p.width]
        : [images.length, p.height, p.width, p.channels];
    const outputs = await this.inference.run(
      version,
      [{ name: spec.name, datatype: 'FP32', shape, data }],
      undefined,
      options,
    );
    return {
      model: version.model,
      version: version.version,
      predictions: inSpan('postprocess', {}, () => toPredictions(version, outputs, images.length, topK)),
    };
  }
}

/** Lays named or positional feature rows out as the model's [rows, features] tensor, checking each value. */
function encodeRows(
  version: ModelVersion,
  spec: TensorSpec,
  width: number,
  rows: FeatureRow[],
): Float32Array | Float64Array {
  const names = featureNames(version, width);
  const data =
    spec.datatype === 'FP64' ? new Float64Array(rows.length * width) : new Float32Array(rows.length * width);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    if (Array.isArray(row)) {
      if (row.length !== width)
        throw fail('INVALID_INPUT', `Row ${r} has ${row.length} values; expected ${width}`);
      for (let i = 0; i < width; i++) data[r * width + i] = checkNumber(row[i], names[i]!, r);
      continue;
    }
    let keys = 0;
    for (const key in row) {
      keys++;
      if (keys > width || !names.includes(key)) {
        const unknown = Object.keys(row).find((k) => !names.includes(k))!;
        throw fail(
          'UNKNOWN_FEATURE',
          `Unknown feature "${unknown.slice(0, 64)}" in row ${r}; expected ${names.join(', ')}`,
        );
      }
    }
    for (let i = 0; i < width; i++) {
      const n = names[i]!;
      if (!(n in row)) throw fail('MISSING_FEATURE', `Row ${r} is missing feature "${n}"`);
      data[r * width + i] = checkNumber(row[n], n, r);
    }
  }
  return data;
}

function checkNumber(v: unknown, feature: string, row: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new ModelGardenError('INVALID_INPUT', `Feature "${feature}" in row ${row} must be a finite number`);
  }
  return v;
}
