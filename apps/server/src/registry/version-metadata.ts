/**
 * Validates the metadata sent with a push and derives what the client left out (task,
 * preprocessing defaults), checking it against the schema read from the model file.
 */
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
// The wire schema lives in the contract; the registry validates a push's metadata with it.
import { versionMetadataSchema } from '../contract/model-metadata-schemas.js';
import { ModelGardenError } from '../errors/model-garden-error.js';
import { DEFAULT_JSON_LIMITS, parseClientJson } from '../security/safe-json.js';
import type { ImagePreprocessing, Task, TensorSpec } from './types.js';

export type VersionMetadata = z.infer<typeof versionMetadataSchema>;

/** Parses the JSON text of the `metadata` field; every problem is INVALID_METADATA. */
export function parseVersionMetadata(text: string | undefined): VersionMetadata {
  if (text === undefined || text.trim() === '') return {};
  let raw: unknown;
  try {
    raw = parseClientJson(text, DEFAULT_JSON_LIMITS, '"metadata"');
  } catch (err) {
    if (err instanceof ModelGardenError && err.code === 'MALFORMED_JSON')
      throw new ModelGardenError('INVALID_METADATA', err.message);
    throw err;
  }
  const parsed = versionMetadataSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 20)
      .map((i) => `${i.path.join('.').slice(0, 100) || '(root)'}: ${i.message.slice(0, 200)}`);
    throw new ModelGardenError('INVALID_METADATA', `Invalid metadata: ${issues.slice(0, 5).join('; ')}`, {
      details: { issues },
    });
  }
  return parsed.data;
}

/** Reads a metadata.json file (used for the demo models). */
export async function readVersionMetadata(file: string): Promise<VersionMetadata> {
  return parseVersionMetadata(await readFile(file, 'utf8'));
}

export interface ResolvedMetadata {
  task: Task;
  preprocessing: ImagePreprocessing | null;
}

/** Infers the task and checks the metadata against the model's inputs and outputs. */
export function resolveMetadata(
  meta: VersionMetadata,
  inputs: TensorSpec[],
  outputs: TensorSpec[],
): ResolvedMetadata {
  const first = inputs[0];
  const preprocessing = meta.preprocessing ?? null;
  const task: Task =
    meta.task ??
    (preprocessing
      ? 'image-classification'
      : inputs.length === 1 && first?.shape.length === 2 && /^FP/.test(first.datatype)
        ? meta.labels
          ? 'tabular-classification'
          : outputs.length === 1 && outputs[0]?.shape.at(-1) === 1
            ? 'tabular-regression'
            : 'tensor'
        : 'tensor');
  const bad = (message: string) => new ModelGardenError('INVALID_METADATA', message);
  if (task === 'image-classification') {
    if (!preprocessing) throw bad('An image-classification model needs "preprocessing" (width, height, …)');
    if (inputs.length !== 1 || first?.shape.length !== 4) {
      throw bad(
        'An image-classification model must take one 4-D input ([batch, C, H, W] or [batch, H, W, C])',
      );
    }
    const expected =
      preprocessing.layout === 'NCHW'
        ? [preprocessing.channels, preprocessing.height, preprocessing.width]
        : [preprocessing.height, preprocessing.width, preprocessing.channels];
    const actual = first.shape.slice(1);
    if (!actual.every((d, i) => d === -1 || d === expected[i])) {
      throw bad(
        `preprocessing gives [${expected.join(',')}] per image but the model input is [${first.shape.join(',')}]`,
      );
    }
    if (first.datatype !== 'FP32') throw bad(`Image input must be FP32, the model takes ${first.datatype}`);
  }
  if (task === 'tabular-classification' || task === 'tabular-regression') {
    const width = first?.shape[1];
    if (inputs.length !== 1 || first?.shape.length !== 2) {
      throw bad('A tabular model must take one 2-D input [batch, features]');
    }
    if (meta.featureNames && width !== -1 && meta.featureNames.length !== width) {
      throw bad(`featureNames has ${meta.featureNames.length} names but the model takes ${width} features`);
    }
  }
  if (meta.labels && (task === 'tabular-classification' || task === 'image-classification')) {
    const widths = outputs.map((o) => o.shape.at(-1));
    if (!widths.some((w) => w === meta.labels!.length || w === -1)) {
      throw bad(`labels has ${meta.labels.length} entries but no output has that many columns`);
    }
  }
  return { task, preprocessing };
}
