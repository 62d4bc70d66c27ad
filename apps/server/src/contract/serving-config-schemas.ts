/** A version's serving config (batching, queue, deadline, instances, threads) and the settings in effect. */
import { z } from 'zod';

export const servingConfigSchema = z
  .object({
    maxBatchSize: z.number().int().min(1).max(4096).optional(),
    maxQueueDelayMs: z.number().min(0).max(10_000).optional(),
    maxQueue: z.number().int().min(1).max(1_000_000).optional(),
    timeoutMs: z.number().int().min(1).max(600_000).optional(),
    queueTargetMs: z
      .number()
      .min(0)
      .max(600_000)
      .optional()
      .meta({
        description:
          'Under sustained overload (a queue that has not emptied for 100 ms or ten batch times), admit only ' +
          'requests expected to start within this many ms (at least two batch times); 0 turns it off.',
      }),
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
  .meta({
    id: 'ServingConfig',
    description: "Per-version serving settings; unset fields take the engine's defaults",
  });

export const effectiveServingConfigSchema = z
  .object({
    maxBatchSize: z.number(),
    maxQueueDelayMs: z.number(),
    maxQueue: z.number(),
    timeoutMs: z.number(),
    queueTargetMs: z.number(),
    instances: z.number(),
    intraOpThreads: z.number(),
    interOpThreads: z.number(),
    executor: z.enum(['inline', 'worker']),
  })
  .meta({ id: 'EffectiveServingConfig' });

export const servingConfigViewSchema = z
  .object({
    model: z.string(),
    version: z.number().int(),
    servingConfig: servingConfigSchema,
    effective: effectiveServingConfigSchema,
    loaded: z.boolean(),
  })
  .meta({ id: 'ServingConfigView' });
