/**
 * A registered model as an LLM function tool (and an MCP tool): its name, its description and the
 * JSON Schema of its arguments, derived from the version's inputs. Pure functions of the version.
 *
 * - Tabular models (one `[batch, features]` float input): one required number property per feature,
 *   named as the version names its features (`x0`, `x1`, … when it names none).
 * - Image models: one required `image` string, a `data:image/…;base64,` URL or bare base64.
 * - Raw-tensor models: one required property per input, a flat row-major array of numbers, only when
 *   every input's shape is fixed (a leading -1 counts as 1) and all of them hold at most
 *   MAX_TOOL_TENSOR_ELEMENTS numbers together; larger ones cannot be stated to an LLM and are not offered.
 *
 * Names satisfy OpenAI's and Anthropic's `^[a-zA-Z0-9_-]{1,64}$` and Gemini's (starts with a letter
 * or `_`): a model name that already does is the tool's name; one that does not (a `.`, a leading
 * digit) is rewritten and suffixed with a hash of the original, so two models never share a name.
 */
import { createHash } from 'node:crypto';
import type { ModelVersion, TensorSpec } from '../../registry/types.js';

/** The most numbers a raw-tensor model's inputs may hold, all inputs together, to be offered as a tool. */
export const MAX_TOOL_TENSOR_ELEMENTS = 64;

const SAFE_NAME = /^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$/;

/** The tool's name for a model (see the header). */
export function toolNameOf(model: string): string {
  if (SAFE_NAME.test(model)) return model;
  let base = model.replace(/[^a-zA-Z0-9_-]/g, '_');
  if (!/^[a-zA-Z_]/.test(base)) base = `m_${base}`;
  const hash = createHash('sha256').update(model).digest('hex').slice(0, 6);
  return `${base.slice(0, 64 - 7)}_${hash}`;
}

export type ToolKind = 'tabular' | 'image' | 'tensor';

export interface ToolShape {
  kind: ToolKind;
  /** JSON Schema (draft 2020-12 subset every provider accepts) of the arguments object. */
  parameters: Record<string, unknown>;
}

const NUMERIC = new Set([
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'UINT64',
  'FP16',
  'FP32',
  'FP64',
]);

/** The single `[batch, features]` float input of a tabular model, or null. */
function tabularWidth(version: ModelVersion): number | null {
  if (version.task !== 'tabular-classification' && version.task !== 'tabular-regression') return null;
  const [spec, ...rest] = version.inputs;
  const width = spec?.shape.at(-1);
  if (!spec || rest.length > 0 || spec.shape.length !== 2 || width === undefined || width < 1) return null;
  if (spec.datatype !== 'FP32' && spec.datatype !== 'FP64') return null;
  return width;
}

/** The feature names a tabular model's tool takes (the version's, or `x0…` when it names none). */
export function toolFeatureNames(version: ModelVersion, width: number): string[] {
  return version.featureNames && version.featureNames.length === width
    ? version.featureNames
    : Array.from({ length: width }, (_, i) => `x${i}`);
}

/** An input's fixed shape (a leading -1 as 1), or null when another dimension is dynamic. */
export function fixedShape(spec: TensorSpec): number[] | null {
  const shape = spec.shape.map((d, i) => (i === 0 && d === -1 ? 1 : d));
  return shape.every((d) => Number.isInteger(d) && d >= 0) ? shape : null;
}

/** The tool's kind and argument schema, or null when the version cannot be offered as a tool. */
export function toolShapeOf(version: ModelVersion): ToolShape | null {
  if (version.status !== 'ready') return null;
  const width = tabularWidth(version);
  if (width !== null) {
    const names = toolFeatureNames(version, width);
    if (new Set(names).size !== names.length) return null;
    return {
      kind: 'tabular',
      parameters: {
        type: 'object',
        properties: Object.fromEntries(
          names.map((n) => [n, { type: 'number', description: `Feature ${n}` }]),
        ),
        required: names,
        additionalProperties: false,
      },
    };
  }
  if (version.task === 'image-classification' && version.preprocessing) {
    const p = version.preprocessing;
    return {
      kind: 'image',
      parameters: {
        type: 'object',
        properties: {
          image: {
            type: 'string',
            description:
              'The picture (PNG, JPEG, WebP or GIF) as a data:image/...;base64, URL or bare base64; ' +
              `it is resized to ${p.width}x${p.height}${p.channels === 1 ? ' greyscale' : ''}`,
          },
        },
        required: ['image'],
        additionalProperties: false,
      },
    };
  }
  if (version.task !== 'tensor' || version.inputs.length === 0) return null;
  let total = 0;
  const properties: Record<string, unknown> = {};
  for (const spec of version.inputs) {
    const shape = fixedShape(spec);
    if (!shape || !NUMERIC.has(spec.datatype)) return null;
    const count = shape.reduce((a, b) => a * b, 1);
    total += count;
    if (total > MAX_TOOL_TENSOR_ELEMENTS || count === 0) return null;
    properties[spec.name] = {
      type: 'array',
      items: { type: spec.datatype.startsWith('FP') ? 'number' : 'integer' },
      minItems: count,
      maxItems: count,
      description: `${spec.datatype} tensor of shape [${shape.join(', ')}], flattened row-major`,
    };
  }
  return {
    kind: 'tensor',
    parameters: {
      type: 'object',
      properties,
      required: Object.keys(properties),
      additionalProperties: false,
    },
  };
}

/** The tool's description, from the model's metadata (its description, task, classes). */
export function toolDescriptionOf(
  version: ModelVersion,
  kind: ToolKind,
  modelDescription: string | null,
): string {
  const about = (modelDescription ?? version.description ?? '').trim();
  const parts = [about ? `${about.replace(/\.$/, '')}.` : `Model Garden model "${version.model}".`];
  const labels = version.labels ?? [];
  if (kind === 'tabular' && version.task === 'tabular-classification' && labels.length > 0) {
    const shown = labels.slice(0, 20).join(', ');
    parts.push(
      `Classifies one row of features into ${labels.length > 20 ? `one of ${labels.length} classes (${shown}, …)` : shown}; returns the label and each class's probability.`,
    );
  } else if (kind === 'tabular' && version.task === 'tabular-regression') {
    parts.push('Predicts a value from one row of features.');
  } else if (kind === 'image') {
    parts.push(
      labels.length > 0 && labels.length <= 20
        ? `Classifies a picture as one of ${labels.join(', ')}; returns the top labels with probabilities.`
        : 'Classifies a picture; returns the top labels with probabilities.',
    );
  } else if (kind === 'tensor') {
    parts.push('Runs the model on raw tensors; returns its output tensors.');
  }
  parts.push(`(model ${version.model}, version ${version.version})`);
  return parts.join(' ').slice(0, 1024);
}
