/** Zod schemas of the models, versions and friendly-predict routes, and the REST error shape. */
import { z } from 'zod';
import { imagePreprocessingSchema, TASKS, tensorSpecSchema } from './model-metadata-schemas.js';
import { aliasInfoSchema, schemaChangeSchema } from './registry-schemas.js';
import { servingConfigSchema } from './serving-config-schemas.js';

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'MODEL_NOT_FOUND' }),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ id: 'Error' });

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

export const modelListSchema = z
  .object({
    models: z.array(modelSummarySchema),
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
  })
  .meta({ id: 'ModelList' });

/** The multipart body of a push. */
export const pushVersionFormSchema = z
  .object({
    file: z.file().meta({ description: 'The .onnx model' }),
    metadata: z.string().optional().meta({ description: 'JSON text of a PushMetadata object' }),
    reference: z.union([z.string(), z.file()]).optional().meta({
      description: 'Drift reference as CSV (text or file): one column per feature, optional `label`',
    }),
  })
  .meta({ id: 'PushVersionForm' });

export const deletedVersionSchema = z
  .object({
    model: z.string(),
    version: z.number().int(),
    deleted: z.literal(true),
    artifactRemoved: z.boolean(),
  })
  .meta({ id: 'DeletedVersion' });

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
  .strict()
  .meta({
    id: 'PredictRequest',
    description:
      'Tabular: `inputs` is one row `{feature: value}` (or an array of values in `featureNames` order) or ' +
      'an array of rows. Images: `image` (base64 or a data: URL) or `images`.',
  });

/** The multipart form of a prediction: one or more pictures in `image` file fields. */
export const predictMultipartSchema = z
  .object({ image: z.union([z.file(), z.array(z.file()).max(64)]) })
  .meta({ id: 'PredictImagesForm' });

export const predictQuerySchema = z.object({
  version: z.string().max(20).optional(),
  alias: z.string().max(200).optional(),
  topK: z.coerce.number().int().min(1).max(100_000).optional(),
  timeoutMs: z.coerce.number().int().min(1).max(600_000).optional().meta({
    description: "This request's deadline in ms (default: the version's serving config `timeoutMs`)",
  }),
});

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
