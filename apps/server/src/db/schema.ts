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
import type {
  AliasRoute,
  AliasTarget,
  ImagePreprocessing,
  SchemaChange,
  ServingConfig,
  ShadowTarget,
  TensorSpec,
} from '../registry/types.js';

export const models = pgTable('models', {
  id: serial('id').primaryKey(),
  name: text('name').notNull().unique(),
  description: text('description'),
  tags: jsonb('tags').$type<Record<string, string>>().notNull().default(sql`'{}'::jsonb`),
  /** The highest version number ever given, so a deleted version's number is never reused. */
  lastVersion: integer('last_version').notNull().default(0),
  /** `public` (everyone who may read models) or `team` (only `team`'s members and admins). */
  visibility: text('visibility').notNull().default('public'),
  team: text('team'),
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
    schemaChange: jsonb('schema_change').$type<SchemaChange | null>(),
    archivedAt: timestamp('archived_at', { withTimezone: true }),
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
    /** The primary target; the only one unless `split` is set. */
    version: integer('version').notNull(),
    /** Every target with its weight when the alias splits traffic; null for a plain alias. */
    split: jsonb('split').$type<AliasTarget[] | null>(),
    shadow: jsonb('shadow').$type<ShadowTarget | null>(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.modelId, t.alias] })],
);

/** Every alias move, newest last; rollback restores the `from` route of the newest entry. */
export const aliasHistory = pgTable(
  'alias_history',
  {
    id: serial('id').primaryKey(),
    modelId: integer('model_id')
      .notNull()
      .references(() => models.id, { onDelete: 'cascade' }),
    alias: text('alias').notNull(),
    action: text('action').notNull(),
    fromRoute: jsonb('from_route').$type<AliasRoute | null>(),
    toRoute: jsonb('to_route').$type<AliasRoute | null>(),
    actor: text('actor'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('alias_history_model_alias_idx').on(t.modelId, t.alias, t.id)],
);

/**
 * Answers of mutating requests sent with an `Idempotency-Key`: a replay gets the stored answer.
 * `status` is null while the first request is still running.
 */
/**
 * A key belongs to the caller that sent it (`user:<id>`, `key:<id>`, `admin-key`, `anonymous`): two
 * callers may use the same key without seeing or blocking each other's answers.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    caller: text('caller').notNull().default(''),
    key: text('key').notNull(),
    fingerprint: text('fingerprint').notNull(),
    status: integer('status'),
    contentType: text('content_type'),
    body: text('body'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.caller, t.key] })],
);

export const schema = { models, modelVersions, aliases, aliasHistory, idempotencyKeys };
