/**
 * Drizzle schema: the registry's tables. Migrations in apps/server/drizzle are generated from this file
 * with `npm run db:generate` and applied at start.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { ImagePreprocessing, ServingConfig, TensorSpec } from '../registry/types.js';

export const models = pgTable('models', {
  id: serial('id').primaryKey(),
  name: text('name').notNull().unique(),
  description: text('description'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const modelVersions = pgTable(
  'model_versions',
  {
    id: serial('id').primaryKey(),
    modelId: integer('model_id')
      .notNull()
      .references(() => models.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    sha256: text('sha256').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    framework: text('framework').notNull().default('onnx'),
    task: text('task').notNull(),
    status: text('status').notNull().default('ready'),
    statusReason: text('status_reason'),
    description: text('description'),
    labels: jsonb('labels').$type<string[] | null>(),
    featureNames: jsonb('feature_names').$type<string[] | null>(),
    inputs: jsonb('inputs').$type<TensorSpec[]>().notNull(),
    outputs: jsonb('outputs').$type<TensorSpec[]>().notNull(),
    preprocessing: jsonb('preprocessing').$type<ImagePreprocessing | null>(),
    metrics: jsonb('metrics').$type<Record<string, number>>().notNull().default(sql`'{}'::jsonb`),
    tags: jsonb('tags').$type<Record<string, string>>().notNull().default(sql`'{}'::jsonb`),
    servingConfig: jsonb('serving_config').$type<ServingConfig>().notNull().default(sql`'{}'::jsonb`),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('model_versions_model_version_uq').on(t.modelId, t.version),
    index('model_versions_sha256_idx').on(t.sha256),
  ],
);

export const aliases = pgTable(
  'aliases',
  {
    modelId: integer('model_id')
      .notNull()
      .references(() => models.id, { onDelete: 'cascade' }),
    alias: text('alias').notNull(),
    version: integer('version').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.modelId, t.alias] })],
);

export const schema = { models, modelVersions, aliases };
