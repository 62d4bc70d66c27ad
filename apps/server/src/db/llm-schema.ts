/**
 * Drizzle schema: the LLM gateway's tables. Per-key settings (model allow-list, limits, whether
 * prompts are stored), the counters limits and budgets are reserved against (one row per key or
 * user, updated with one conditional statement so replicas never overspend), and the usage log.
 */
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  real,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';
import { apiKeys } from './auth-schema.js';

export const llmKeySettings = pgTable('llm_key_settings', {
  keyId: integer('key_id')
    .primaryKey()
    .references(() => apiKeys.id, { onDelete: 'cascade' }),
  /** Model names (aliases or `<provider>/<id>`, `*` suffix for a prefix) the key may use; null: all. */
  allowedModels: jsonb('allowed_models').$type<string[] | null>(),
  requestsPerMinute: integer('requests_per_minute'),
  tokensPerMinute: bigint('tokens_per_minute', { mode: 'number' }),
  tokensPerDay: bigint('tokens_per_day', { mode: 'number' }),
  tokensPerMonth: bigint('tokens_per_month', { mode: 'number' }),
  storeContent: boolean('store_content').notNull().default(false),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * What a subject (`key:<id>`, `user:<id>`, `admin-key`) has used in the current minute, UTC day and
 * UTC month. Window starts are epoch milliseconds; a row whose window has passed counts as zero.
 */
export const llmCounters = pgTable('llm_counters', {
  subject: text('subject').primaryKey(),
  minuteStart: bigint('minute_start', { mode: 'number' }).notNull(),
  minuteRequests: integer('minute_requests').notNull(),
  minuteTokens: bigint('minute_tokens', { mode: 'number' }).notNull(),
  dayStart: bigint('day_start', { mode: 'number' }).notNull(),
  dayTokens: bigint('day_tokens', { mode: 'number' }).notNull(),
  monthStart: bigint('month_start', { mode: 'number' }).notNull(),
  monthTokens: bigint('month_tokens', { mode: 'number' }).notNull(),
});

/** One row per gateway request, finished, failed or aborted. */
export const llmUsage = pgTable(
  'llm_usage',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    requestId: text('request_id'),
    keyId: integer('key_id'),
    userId: integer('user_id'),
    subject: text('subject').notNull(),
    endpoint: text('endpoint').notNull(),
    /** The name the caller asked for (alias or `<provider>/<id>`). */
    model: text('model').notNull(),
    provider: text('provider'),
    /** The deployment that answered (`<provider>/<id>`). */
    deployment: text('deployment'),
    stream: boolean('stream').notNull().default(false),
    promptTokens: integer('prompt_tokens').notNull().default(0),
    completionTokens: integer('completion_tokens').notNull().default(0),
    /** True when the counts come from our tokenizer because the provider reported none. */
    tokensEstimated: boolean('tokens_estimated').notNull().default(false),
    timeToFirstTokenMs: real('ttft_ms'),
    durationMs: real('duration_ms').notNull(),
    /** `ok`, `error` or `aborted`. */
    status: text('status').notNull(),
    errorCode: text('error_code'),
    httpStatus: integer('http_status'),
    attempts: integer('attempts').notNull().default(0),
    fallbacks: integer('fallbacks').notNull().default(0),
    /** Only when the key's or the global switch says so. */
    prompt: jsonb('prompt').$type<unknown>(),
    answer: jsonb('answer').$type<unknown>(),
  },
  (t) => [
    index('llm_usage_at_idx').on(t.at),
    index('llm_usage_key_idx').on(t.keyId, t.at),
    index('llm_usage_user_idx').on(t.userId, t.at),
  ],
);

/**
 * Providers an admin added through the API (env and LLM_CONFIG ones are not stored). The credential
 * is sealed (security/secret-box.ts, bound to the provider's name) and never leaves the server.
 */
export const llmProviders = pgTable('llm_providers', {
  name: text('name').primaryKey(),
  /** `openai-compatible`, `anthropic`, `gemini` or `ollama` (OpenAI-compatible under `/v1`). */
  kind: text('kind').notNull(),
  baseUrl: text('base_url').notNull(),
  /** `mgs1.<key id>.<iv>.<tag>.<ciphertext>`; null: no credential. */
  apiKeySealed: text('api_key_sealed'),
  /** Model ids offered even when the provider's listing is down or incomplete. */
  models: jsonb('models').$type<string[]>().notNull().default([]),
  enabled: boolean('enabled').notNull().default(true),
  connectTimeoutMs: integer('connect_timeout_ms'),
  requestTimeoutMs: integer('request_timeout_ms'),
  /** Bumped by every change; an update naming an older one is refused (lost-update guard). */
  revision: integer('revision').notNull().default(1),
  createdBy: text('created_by'),
  updatedBy: text('updated_by'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Model aliases an admin added through the API: weighted deployments and ordered fallbacks. */
export const llmAliases = pgTable('llm_aliases', {
  name: text('name').primaryKey(),
  deployments: jsonb('deployments').$type<Array<{ model: string; weight: number }>>().notNull(),
  fallbacks: jsonb('fallbacks').$type<string[]>().notNull().default([]),
  revision: integer('revision').notNull().default(1),
  createdBy: text('created_by'),
  updatedBy: text('updated_by'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * One row (id 1): bumped in the transaction of every provider or alias change, which also locks it,
 * so changes apply one at a time across replicas; replicas poll it to reload (llm/managed-llm.ts).
 */
export const llmConfigRevision = pgTable('llm_config_revision', {
  id: integer('id').primaryKey(),
  revision: bigint('revision', { mode: 'number' }).notNull(),
});

export const llmSchema = {
  llmKeySettings,
  llmCounters,
  llmUsage,
  llmProviders,
  llmAliases,
  llmConfigRevision,
};
