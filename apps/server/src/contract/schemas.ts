/** Zod schemas of the HTTP contract; they validate requests and generate the OpenAPI document. */
import { z } from 'zod';
import { DATATYPES, TASKS } from '../registry/types.js';
import { imagePreprocessingSchema } from '../registry/version-metadata.js';
import { aliasInfoSchema, schemaChangeSchema } from './registry-schemas.js';

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'MODEL_NOT_FOUND' }),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ id: 'Error' });

export const oipErrorSchema = z.object({ error: z.string() }).meta({ id: 'OipError' });

export const tensorSpecSchema = z
  .object({ name: z.string(), datatype: z.enum(DATATYPES), shape: z.array(z.number().int()) })
  .meta({ id: 'TensorSpec' });

export const servingConfigSchema = z
  .object({
    maxBatchSize: z.number().int().min(1).max(4096).optional(),
    maxQueueDelayMs: z.number().min(0).max(10_000).optional(),
    maxQueue: z.number().int().min(1).max(1_000_000).optional(),
    timeoutMs: z.number().int().min(1).max(600_000).optional(),
    queueTargetMs: z.number().min(0).max(600_000).optional(),
    instances: z.number().int().min(1).max(64).optional(),
    intraOpThreads: z.number().int().min(0).max(256).optional(),
    interOpThreads: z.number().int().min(0).max(256).optional(),
    executor: z
      .enum(['inline', 'worker'])
      .optional()
      .meta({
        description:
          "'inline' (default): sessions run on the event loop's thread, lowest overhead for small models. " +
          "'worker': each instance runs in its own worker thread, so instances run in parallel and long " +
          'inferences do not hold up other requests.',
      }),
  })
  .strict()
  .meta({ id: 'ServingConfig' });

export const modelVersionSchema = z
  .object({
    model: z.string(),
    version: z.number().int(),
    sha256: z.string(),
    sizeBytes: z.number().int(),
    framework: z.literal('onnx'),
    task: z.enum(TASKS),
    status: z.enum(['ready', 'failed']),
    statusReason: z.string().nullable(),
    description: z.string().nullable(),
    labels: z.array(z.string()).nullable(),
    featureNames: z.array(z.string()).nullable(),
    inputs: z.array(tensorSpecSchema),
    outputs: z.array(tensorSpecSchema),
    preprocessing: imagePreprocessingSchema.nullable(),
    metrics: z.record(z.string(), z.number()),
    tags: z.record(z.string(), z.string()),
    servingConfig: servingConfigSchema,
    aliases: z.array(z.string()),
    schemaChange: schemaChangeSchema.nullable(),
    archived: z.boolean(),
    archivedAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'ModelVersion' });

export const modelSummarySchema = z
  .object({
    name: z.string(),
    description: z.string().nullable(),
    visibility: z.enum(['public', 'team']),
    team: z.string().nullable(),
    tags: z.record(z.string(), z.string()),
    task: z.enum(TASKS).nullable(),
    latestVersion: z.number().int().nullable(),
    versionCount: z.number().int(),
    aliases: z.record(z.string(), z.number().int()),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'ModelSummary' });

export const modelDetailSchema = modelSummarySchema
  .extend({ versions: z.array(modelVersionSchema), routes: z.array(aliasInfoSchema) })
  .meta({ id: 'ModelDetail' });

export const modelNameParam = z.string().min(1).max(200).meta({ description: 'Model name', example: 'iris' });
export const versionParam = z.string().min(1).max(20).meta({ description: 'Version number', example: '1' });

export const featureRowSchema = z.union([
  z.record(z.string(), z.unknown()),
  z.array(z.unknown()).max(100_000),
]);

export const predictBodySchema = z
  .object({
    inputs: z.union([featureRowSchema, z.array(featureRowSchema).max(10_000)]).optional(),
    image: z.string().max(50_000_000).optional(),
    images: z.array(z.string().max(50_000_000)).max(64).optional(),
    topK: z.number().int().min(1).max(100_000).optional(),
  })
  .strict();

const probabilitySchema = z.object({ label: z.string(), probability: z.number() });

export const predictResultSchema = z
  .object({
    model: z.string(),
    version: z.number().int(),
    predictions: z.array(
      z.object({
        label: z.string().optional(),
        probability: z.number().optional(),
        probabilities: z.array(probabilitySchema).optional(),
        value: z.number().optional(),
        values: z.array(z.number()).optional(),
      }),
    ),
  })
  .meta({ id: 'PredictResult' });

const parametersSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

export const inferRequestSchema = z
  .object({
    id: z.string().max(1024).optional(),
    parameters: parametersSchema.optional(),
    inputs: z
      .array(
        z.object({
          name: z.string().max(1024),
          shape: z.array(z.number().int().nonnegative()).max(32),
          datatype: z.string().max(16),
          parameters: parametersSchema.optional(),
          data: z.unknown().optional(), // absent when binary_data_size puts it in the binary section
        }),
      )
      .min(1),
    outputs: z
      .array(z.object({ name: z.string().max(1024), parameters: parametersSchema.optional() }))
      .optional(),
  })
  .meta({ id: 'InferenceRequest' });

export const inferResponseSchema = z
  .object({
    model_name: z.string(),
    model_version: z.string().optional(),
    id: z.string().optional(),
    parameters: parametersSchema.optional(),
    outputs: z.array(
      z.object({
        name: z.string(),
        shape: z.array(z.number().int()),
        datatype: z.string(),
        parameters: parametersSchema.optional(),
        data: z.array(z.union([z.number(), z.string(), z.boolean()])),
      }),
    ),
  })
  .meta({ id: 'InferenceResponse' });
