/** A model's tool: the schema for each model kind, which models are offered, and names every provider accepts. */
import { describe, expect, it } from 'vitest';
import type { ModelVersion } from '../../registry/types.js';
import { MAX_TOOL_TENSOR_ELEMENTS, toolDescriptionOf, toolNameOf, toolShapeOf } from './tool-schema.js';

function version(patch: Partial<ModelVersion>): ModelVersion {
  return {
    model: 'm',
    version: 1,
    sha256: 'x'.repeat(64),
    sizeBytes: 1,
    framework: 'onnx',
    task: 'tensor',
    status: 'ready',
    statusReason: null,
    description: null,
    labels: null,
    featureNames: null,
    inputs: [],
    outputs: [{ name: 'out', datatype: 'FP32', shape: [-1, 3] }],
    preprocessing: null,
    metrics: {},
    tags: {},
    servingConfig: {},
    aliases: [],
    schemaChange: null,
    archived: false,
    archivedAt: null,
    createdAt: new Date(0).toISOString(),
    ...patch,
  } as ModelVersion;
}

const iris = version({
  model: 'iris',
  task: 'tabular-classification',
  featureNames: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'],
  labels: ['setosa', 'versicolor', 'virginica'],
  inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }],
});

describe('toolShapeOf', () => {
  it('gives a tabular model one required number property per named feature', () => {
    expect(toolShapeOf(iris)).toEqual({
      kind: 'tabular',
      parameters: {
        type: 'object',
        properties: {
          sepal_length: { type: 'number', description: 'Feature sepal_length' },
          sepal_width: { type: 'number', description: 'Feature sepal_width' },
          petal_length: { type: 'number', description: 'Feature petal_length' },
          petal_width: { type: 'number', description: 'Feature petal_width' },
        },
        required: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'],
        additionalProperties: false,
      },
    });
  });

  it('names a tabular model’s unnamed features x0… as the predict route does', () => {
    const shape = toolShapeOf(
      version({ task: 'tabular-regression', inputs: [{ name: 'in', datatype: 'FP64', shape: [-1, 2] }] }),
    );
    expect(shape?.kind).toBe('tabular');
    expect(shape?.parameters.required).toEqual(['x0', 'x1']);
  });

  it('gives an image model one required image string (data: URL or base64)', () => {
    const shape = toolShapeOf(
      version({
        task: 'image-classification',
        inputs: [{ name: 'pixels', datatype: 'FP32', shape: [-1, 1, 8, 8] }],
        preprocessing: {
          type: 'image',
          width: 8,
          height: 8,
          channels: 1,
          layout: 'NCHW',
          scale: 1 / 255,
          mean: [0],
          std: [1],
          invert: false,
          cropToContent: false,
        },
      }),
    );
    expect(shape?.kind).toBe('image');
    expect(shape?.parameters).toMatchObject({
      type: 'object',
      properties: { image: { type: 'string', description: expect.stringMatching(/data:image.*base64/) } },
      required: ['image'],
      additionalProperties: false,
    });
  });

  it('states a small raw-tensor model’s inputs as flat arrays of their exact length', () => {
    const shape = toolShapeOf(
      version({
        inputs: [
          { name: 'a', datatype: 'FP32', shape: [-1, 2, 3] },
          { name: 'ids', datatype: 'INT64', shape: [4] },
        ],
      }),
    );
    expect(shape).toEqual({
      kind: 'tensor',
      parameters: {
        type: 'object',
        properties: {
          a: {
            type: 'array',
            items: { type: 'number' },
            minItems: 6,
            maxItems: 6,
            description: 'FP32 tensor of shape [1, 2, 3], flattened row-major',
          },
          ids: {
            type: 'array',
            items: { type: 'integer' },
            minItems: 4,
            maxItems: 4,
            description: 'INT64 tensor of shape [4], flattened row-major',
          },
        },
        required: ['a', 'ids'],
        additionalProperties: false,
      },
    });
  });

  it('does not offer a raw-tensor model too large to state, nor one with a dynamic inner dimension', () => {
    const limit = MAX_TOOL_TENSOR_ELEMENTS;
    expect(
      toolShapeOf(version({ inputs: [{ name: 'a', datatype: 'FP32', shape: [1, limit] }] })),
    ).not.toBeNull();
    expect(
      toolShapeOf(version({ inputs: [{ name: 'a', datatype: 'FP32', shape: [1, limit + 1] }] })),
    ).toBeNull();
    expect(
      toolShapeOf(
        version({
          inputs: [
            { name: 'a', datatype: 'FP32', shape: [1, limit / 2] },
            { name: 'b', datatype: 'FP32', shape: [1, limit / 2 + 1] },
          ],
        }),
      ),
    ).toBeNull();
    expect(
      toolShapeOf(version({ inputs: [{ name: 'a', datatype: 'FP32', shape: [1, 3, 224, 224] }] })),
    ).toBeNull();
    expect(toolShapeOf(version({ inputs: [{ name: 'a', datatype: 'FP32', shape: [1, -1] }] }))).toBeNull();
    expect(toolShapeOf(version({ inputs: [{ name: 's', datatype: 'BYTES', shape: [1] }] }))).toBeNull();
  });

  it('does not offer a failed version', () => {
    expect(toolShapeOf({ ...iris, status: 'failed' })).toBeNull();
  });
});

describe('toolNameOf', () => {
  const providerRule = /^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$/;

  it('is the model’s own name when every provider accepts it', () => {
    expect(toolNameOf('iris')).toBe('iris');
    expect(toolNameOf('fraud-detector_v2')).toBe('fraud-detector_v2');
  });

  it('rewrites dots and leading digits, keeps names apart, fits 64 characters', () => {
    const names = ['resnet.v1', 'resnet_v1', '3d-model', `${'a'.repeat(60)}.bc`, `${'a'.repeat(60)}.bd`];
    const tools = names.map(toolNameOf);
    for (const t of tools) expect(t).toMatch(providerRule);
    expect(new Set(tools).size).toBe(names.length);
    expect(toolNameOf('resnet.v1')).toBe(toolNameOf('resnet.v1'));
  });
});

describe('toolDescriptionOf', () => {
  it('comes from the model’s metadata: its description and its classes', () => {
    const text = toolDescriptionOf(iris, 'tabular', 'Iris species from flower measurements');
    expect(text).toContain('Iris species from flower measurements.');
    expect(text).toContain('setosa, versicolor, virginica');
    expect(text).toContain('model iris, version 1');
  });
});
