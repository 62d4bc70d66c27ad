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

export const tuningDecisionSchema = z
  .object({
    setting: z.enum(['executor', 'instances', 'intraOpThreads', 'maxBatchSize']),
    value: z.union([z.number(), z.string()]),
    source: z.enum(['explicit', 'tuned', 'default']).meta({
      description:
        "explicit: set in the version's serving config (or the engine's options); tuned: chosen from measurements; default: the engine default, nothing measured yet",
    }),
    reason: z.string(),
  })
  .meta({ id: 'TuningDecision' });

export const tuningViewSchema = z
  .object({
    cores: z.number().int().meta({ description: 'Cores the engine plans for (os.availableParallelism())' }),
    shape: z.array(z.number().int()).nullable().meta({
      description: 'The per-row input shape measured (the commonest live shape, else the warm-up shape)',
    }),
    singleRunMs: z.number().nullable(),
    curve: z.array(
      z.object({
        rows: z.number().int(),
        ms: z.number().meta({ description: 'The least recent run at this batch size (what decisions use)' }),
        avgMs: z.number(),
        rowsPerSecond: z.number(),
        samples: z.number().int(),
      }),
    ),
    executions: z.number().int(),
    decisions: z.array(tuningDecisionSchema),
  })
  .meta({
    id: 'ServingTuning',
    description:
      'What the engine measured (execution time by batch size on real request shapes) and what it chose for ' +
      'each setting the serving config leaves unset, with the reason',
  });

export const servingConfigViewSchema = z
  .object({
    model: z.string(),
    version: z.number().int(),
    servingConfig: servingConfigSchema,
    effective: effectiveServingConfigSchema,
    tuning: tuningViewSchema.nullable(),
    loaded: z.boolean(),
  })
  .meta({ id: 'ServingConfigView' });
