/** Zod schemas of the registry lifecycle contract (aliases, splits, history, schema changes, paging). */
import { z } from 'zod';
import { TASKS, tensorSpecSchema as tensorSpec } from './model-metadata-schemas.js';

export const schemaChangeSchema = z
  .object({
    comparedTo: z.object({ alias: z.string(), version: z.number().int() }),
    diff: z.object({
      added: z.array(tensorSpec),
      removed: z.array(tensorSpec),
      changed: z.array(z.object({ name: z.string(), before: tensorSpec, after: tensorSpec })),
      featureNames: z
        .object({ before: z.array(z.string()).nullable(), after: z.array(z.string()).nullable() })
        .nullable(),
    }),
  })
  .meta({ id: 'SchemaChange', description: 'How the inputs differ from `production` at push time' });

const targetSchema = z.object({
  version: z.number().int().positive(),
  weight: z
    .number()
    .positive()
    .max(1_000_000)
    .meta({ description: 'Relative weight: 90 and 10 split 90/10' }),
});
const shadowSchema = z.object({
  version: z.number().int().positive(),
  percent: z.number().positive().max(100).meta({ description: 'Share of requests copied to the shadow' }),
});

export const aliasRouteSchema = z.object({ targets: z.array(targetSchema), shadow: shadowSchema.nullable() });

export const aliasInfoSchema = aliasRouteSchema
  .extend({ model: z.string(), alias: z.string(), version: z.number().int(), updatedAt: z.string() })
  .meta({ id: 'AliasInfo' });

export const setAliasBodySchema = z
  .object({
    version: z.number().int().positive().optional(),
    targets: z.array(targetSchema).min(1).max(4).optional(),
    shadow: shadowSchema.partial({ percent: true }).nullable().optional(),
    force: z
      .boolean()
      .optional()
      .meta({ description: 'Move even if the inputs differ from the current target' }),
  })
  .strict()
  .meta({
    id: 'SetAliasBody',
    description:
      '`{"version": 2}` or a split `{"targets": [{"version": 1, "weight": 90}, {"version": 2, "weight": 10}]}`',
  });

export const aliasListSchema = z.object({ aliases: z.array(aliasInfoSchema) }).meta({ id: 'AliasList' });

export const historyEntrySchema = z
  .object({
    id: z.number().int(),
    model: z.string(),
    alias: z.string(),
    action: z.enum(['set', 'rollback', 'delete']),
    from: aliasRouteSchema.nullable(),
    to: aliasRouteSchema.nullable(),
    fromVersion: z.number().int().nullable(),
    toVersion: z.number().int().nullable(),
    actor: z.string().nullable(),
    at: z.string(),
  })
  .meta({ id: 'AliasHistoryEntry' });

export const modelQuerySchema = z.object({
  q: z.string().max(200).optional().meta({ description: 'Substring of the name or description' }),
  tag: z.string().max(400).optional().meta({ description: '`key` or `key:value`' }),
  task: z.enum(TASKS).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  offset: z.coerce.number().int().min(0).max(1_000_000).optional(),
});

const tags = z.record(z.string().max(200), z.string().max(1000));

/** Team visibility: `team` hides the model from other teams (the team defaults to the caller's). */
const access = {
  visibility: z.enum(['public', 'team']).optional(),
  team: z.string().min(1).max(63).nullable().optional(),
};

export const createModelBodySchema = z
  .object({
    name: z.string().min(1).max(200),
    description: z.string().max(10_000).nullable().optional(),
    tags: tags.optional(),
    ...access,
  })
  .strict()
  .meta({ id: 'CreateModelBody' });

export const updateModelBodySchema = z
  .object({ description: z.string().max(10_000).nullable().optional(), tags: tags.optional(), ...access })
  .strict()
  .meta({ id: 'UpdateModelBody' });

export const aliasParams = z.object({
  name: z.string().min(1).max(200),
  alias: z.string().min(1).max(200),
});

export const aliasHistorySchema = z
  .object({ history: z.array(historyEntrySchema) })
  .meta({ id: 'AliasHistory' });

export const aliasHistoryQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).optional() });
