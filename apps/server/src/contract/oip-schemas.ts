/** Open Inference Protocol v2 (KServe / Triton REST): its own wire shapes and error format. */
import { z } from 'zod';
import { tensorSpecSchema } from './model-metadata-schemas.js';

export const oipErrorSchema = z.object({ error: z.string() }).meta({ id: 'OipError' });

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

export const oipServerMetadataSchema = z
  .object({ name: z.string(), version: z.string(), extensions: z.array(z.string()) })
  .meta({ id: 'OipServerMetadata' });

export const oipLiveSchema = z.object({ live: z.boolean() }).meta({ id: 'OipLive' });
export const oipReadySchema = z.object({ ready: z.boolean() }).meta({ id: 'OipReady' });

export const oipModelMetadataSchema = z
  .object({
    name: z.string(),
    versions: z.array(z.string()),
    platform: z.string(),
    inputs: z.array(tensorSpecSchema),
    outputs: z.array(tensorSpecSchema),
  })
  .meta({ id: 'OipModelMetadata' });

export const oipModelReadySchema = z
  .object({ name: z.string(), ready: z.boolean() })
  .meta({ id: 'OipModelReady' });
