/** The vocabulary of a model's schema (tensor types, tasks) and the metadata a client writes about a version. */
import { z } from 'zod';

export const DATATYPES = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
] as const;

export const TASKS = [
  'tabular-classification',
  'tabular-regression',
  'image-classification',
  'tensor',
] as const;

export const tensorSpecSchema = z
  .object({
    name: z.string(),
    datatype: z.enum(DATATYPES),
    shape: z.array(z.number().int()).meta({ description: 'Dimensions; -1 marks a dynamic one' }),
  })
  .meta({ id: 'TensorSpec' });

/** How the server turns a picture into the model's input tensor (defaults fill what the client leaves out). */
export const imagePreprocessingSchema = z
  .object({
    type: z.literal('image'),
    width: z.number().int().min(1).max(4096),
    height: z.number().int().min(1).max(4096),
    channels: z.union([z.literal(1), z.literal(3)]).default(3),
    layout: z.enum(['NCHW', 'NHWC']).default('NCHW'),
    scale: z
      .number()
      .positive()
      .max(1)
      .default(1 / 255)
      .meta({ description: 'pixel (0..255) × scale' }),
    mean: z.array(z.number()).min(1).max(3).default([0]).meta({ description: 'Per channel, after scaling' }),
    std: z.array(z.number().positive()).min(1).max(3).default([1]),
    invert: z.boolean().default(false).meta({ description: '255 - pixel before scaling' }),
    cropToContent: z
      .boolean()
      .default(false)
      .meta({ description: 'Trim the uniform border and centre the content before resizing' }),
  })
  .strict()
  .meta({ id: 'ImagePreprocessing' });

const shortText = z.string().max(200);

/** The JSON text of a push's `metadata` field; everything optional, the rest is read from the graph. */
export const versionMetadataSchema = z
  .object({
    description: z.string().max(10_000).optional(),
    task: z.enum(TASKS).optional(),
    labels: z.array(shortText.min(1)).max(100_000).optional(),
    featureNames: z.array(shortText.min(1)).max(100_000).optional(),
    preprocessing: imagePreprocessingSchema.optional(),
    metrics: z.record(shortText, z.number()).optional(),
    tags: z.record(shortText, z.string().max(1000)).optional(),
  })
  .strict()
  .meta({ id: 'PushMetadata' });

const base = versionMetadataSchema.shape;

/** A metadata edit: a field left out keeps its value; null clears description, labels, featureNames, preprocessing. */
export const versionMetadataPatchSchema = z
  .object({
    description: base.description.unwrap().nullable().optional(),
    task: base.task,
    labels: base.labels.unwrap().nullable().optional(),
    featureNames: base.featureNames.unwrap().nullable().optional(),
    preprocessing: base.preprocessing.unwrap().nullable().optional(),
    metrics: base.metrics,
    tags: base.tags,
  })
  .strict()
  .meta({ id: 'VersionMetadataPatch' });
