/**
 * Configuration enters once: environment variables (and `.env`) are parsed here with zod into a typed
 * object that is passed down. Nothing else in the server reads process.env.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import { parseSecretKey } from '../security/secret-box.js';
import { type LlmConfig, loadLlmConfig } from './llm-config.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const booleanString = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  MAX_UPLOAD_MB: z.coerce.number().positive().max(4096).default(200),
  MAX_BODY_MB: z.coerce.number().positive().max(1024).default(16),
  MAX_JSON_DEPTH: z.coerce.number().int().min(2).max(1000).default(64),
  MAX_JSON_KEYS: z.coerce.number().int().min(1).default(10_000),
  MAX_IMAGE_PIXELS: z.coerce.number().int().positive().default(16_777_216),
  SEED_DEMO_MODELS: booleanString.default(true),
  MODELS_DIR: z.string().optional(),
  WEB_DIST_DIR: z.string().optional(),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  SHUTDOWN_DELAY_MS: z.coerce.number().int().min(0).default(0),
  ORT_INTRA_OP_THREADS: z.coerce.number().int().min(0).max(256).default(0),
  ORT_EXECUTION_PROVIDERS: z
    .string()
    .regex(/^[a-z]+(,[a-z]+)*$/, 'must be a comma-separated list such as cuda,cpu')
    .default('cpu'),
  DRIFT_REPORT_INTERVAL_S: z.coerce.number().min(0).default(300),
  PREDICTION_LOG_CLEANUP_INTERVAL_S: z.coerce.number().min(0).default(3600),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default('modelgarden'),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).default(1),
  MODELGARDEN_ADMIN_KEY: z.string().min(24, 'must be at least 24 characters').optional(),
  MODELGARDEN_SECRET_KEY: z.string().optional(),
  MODELGARDEN_SECRET_KEY_PREVIOUS: z.string().optional(),
  ALLOW_ANONYMOUS_LOOPBACK: booleanString.default(true),
  ANONYMOUS_LOOPBACK_WRITES: booleanString.default(false),
  METRICS_PUBLIC: booleanString.default(true),
  SESSION_TTL_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 90)
    .default(12),
  SECURE_COOKIES: booleanString.optional(),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(600),
  RATE_LIMIT_LOOPBACK: booleanString.default(false),
  CORS_ORIGINS: z
    .string()
    .regex(/^(\*|https?:\/\/[^,\s]+(,https?:\/\/[^,\s]+)*)$/, 'must be * or comma-separated http(s) origins')
    .optional(),
  ARTIFACT_STORE: z.enum(['fs', 's3']).default('fs'),
  S3_BUCKET: z.string().min(1).optional(),
  S3_PREFIX: z.string().default(''),
  S3_ENDPOINT: z.string().url().optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_FORCE_PATH_STYLE: booleanString.default(false),
  ROLE: z.enum(['all', 'api', 'inference']).default('all'),
  INFERENCE_URLS: z
    .string()
    .regex(/^https?:\/\/[^,\s]+(,https?:\/\/[^,\s]+)*$/, 'must be comma-separated http(s) URLs')
    .optional(),
  INFERENCE_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  RETRIEVAL_EMBEDDING_MODEL: z.string().min(1).max(200).optional(),
});

/** Where artifacts live: `DATA_DIR/artifacts`, or an S3-compatible bucket (uploads staged on local disk). */
export type ArtifactStoreConfig =
  | { kind: 'fs' }
  | {
      kind: 's3';
      bucket: string;
      prefix: string;
      /** An S3-compatible server's URL; unset for AWS. Credentials come from the SDK's standard chain. */
      endpoint: string | undefined;
      region: string;
      forcePathStyle: boolean;
    };

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  /** `REDIS_URL`: where the LLM gateway keeps limits and budgets (llm/redis-limits.ts) instead of the database. */
  redisUrl: string | undefined;
  logLevel: (typeof LOG_LEVELS)[number];
  /** `auto`: pretty lines when stdout is a terminal, JSON lines otherwise. */
  logFormat: 'auto' | 'json' | 'pretty';
  maxUploadBytes: number;
  maxBodyBytes: number;
  /** JSON bodies: deepest nesting and most keys in one object (security/safe-json.ts). */
  json: { maxDepth: number; maxKeys: number };
  /** Largest picture (width × height, from its header) a prediction may send; checked before decoding. */
  maxImagePixels: number;
  seedDemoModels: boolean;
  /** Folder holding the demo models (iris/, digits/); defaults to the repository's models/. */
  modelsDir: string;
  /** Built web app (apps/web/dist); served at `/` when it exists. */
  webDistDir: string;
  shutdownTimeoutMs: number;
  /** On shutdown: how long readiness answers 503 before the server stops accepting (for balancers). */
  shutdownDelayMs: number;
  /** onnxruntime intra-op threads per session; 0 lets onnxruntime choose. */
  ortIntraOpThreads: number;
  /** onnxruntime execution providers in order of preference (`cuda,cpu` in the CUDA image). */
  ortExecutionProviders: string[];
  /** Background jobs: drift reports (PSI gauges) and prediction-log retention; 0 turns one off. */
  jobs: { driftIntervalMs: number; cleanupIntervalMs: number };
  /** OpenTelemetry: OTLP/HTTP endpoint (tracing is off without it), service name, root sample ratio. */
  otel: { endpoint: string | undefined; serviceName: string; sampleRatio: number };
  /** Access control: see docs/security-access.md. */
  auth: AuthConfig;
  /** `ARTIFACT_STORE` and the `S3_*` variables. */
  artifactStore: ArtifactStoreConfig;
  /**
   * `ROLE`: `all` (monolith), `inference` (holds models), or `api` (holds none and forwards
   * predictions to `inferenceUrls`, round robin, retried on another replica within `inferenceTimeoutMs`).
   */
  role: 'all' | 'api' | 'inference';
  inferenceUrls: string[];
  inferenceTimeoutMs: number;
  /** The LLM gateway: providers from OPENAI_/OLLAMA_/ANTHROPIC_/GEMINI_ variables and LLM_CONFIG (llm-config.ts). */
  llm: LlmConfig;
  /** `RETRIEVAL_EMBEDDING_MODEL`: the gateway model new knowledge-base collections embed with; null: full text only. */
  retrievalEmbeddingModel: string | null;
  /**
   * `MODELGARDEN_SECRET_KEY` (32 bytes) seals credentials stored in the database (security/secret-box.ts);
   * `MODELGARDEN_SECRET_KEY_PREVIOUS` (comma-separated) still opens values sealed before a rotation.
   * Never logged.
   */
  secretKeys: { current: Buffer | undefined; previous: Buffer[] };
}

export interface AuthConfig {
  /** `MODELGARDEN_ADMIN_KEY`: a bootstrap Bearer key with the `admin` scope; never logged. */
  adminKey: string | undefined;
  /** Anonymous reads and predictions while `HOST` is a loopback address. */
  anonymousLoopback: boolean;
  /** Development/tests only: anonymous loopback callers may also change the registry. */
  anonymousLoopbackWrites: boolean;
  /** `/metrics` without credentials on every bind. */
  metricsPublic: boolean;
  sessionTtlMs: number;
  /** `Secure` cookies; default: on unless `HOST` is loopback. */
  secureCookies: boolean;
  /** Requests per minute per API key, user or IP address; 0 turns rate limiting off. */
  rateLimitPerMinute: number;
  /** Rate-limit loopback clients of a loopback-bound server too (off: benchmarks and local tools). */
  rateLimitLoopback: boolean;
  /** CORS origins allowed (`*` or a list); none by default. */
  corsOrigins: string[] | '*';
}

/** True for 127.0.0.0/8, ::1 and localhost: a bind only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..', '..');

/** Formats zod issues as `VAR: message` lines so a bad variable is named in the error. */
function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
}

/**
 * Parses configuration from an environment object. Values in `.env` (in `cwd`) fill in what the
 * environment leaves unset; the environment always wins.
 */
export function loadConfig(env: Record<string, string | undefined>, cwd = process.cwd()): Config {
  const dotenvPath = path.join(cwd, '.env');
  const fromFile = existsSync(dotenvPath) ? parseDotenv(readFileSync(dotenvPath)) : {};
  const merged: Record<string, string | undefined> = { ...fromFile };
  for (const [key, value] of Object.entries(env))
    if (value !== undefined && value !== '') merged[key] = value;
  const parsed = envSchema.safeParse(merged);
  if (!parsed.success) throw new Error(`Invalid configuration: ${describeIssues(parsed.error)}`);
  const e = parsed.data;
  if (e.ARTIFACT_STORE === 's3' && !e.S3_BUCKET) {
    throw new Error('Invalid configuration: S3_BUCKET: required when ARTIFACT_STORE=s3');
  }
  if (e.ROLE === 'api' && !e.INFERENCE_URLS) {
    throw new Error('Invalid configuration: INFERENCE_URLS: required when ROLE=api');
  }
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(cwd, e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    maxUploadBytes: Math.round(e.MAX_UPLOAD_MB * 1024 * 1024),
    maxBodyBytes: Math.round(e.MAX_BODY_MB * 1024 * 1024),
    json: { maxDepth: e.MAX_JSON_DEPTH, maxKeys: e.MAX_JSON_KEYS },
    maxImagePixels: e.MAX_IMAGE_PIXELS,
    seedDemoModels: e.SEED_DEMO_MODELS,
    modelsDir: path.resolve(cwd, e.MODELS_DIR ?? path.join(repoRoot, 'models')),
    webDistDir: path.resolve(cwd, e.WEB_DIST_DIR ?? path.join(repoRoot, 'apps', 'web', 'dist')),
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    shutdownDelayMs: e.SHUTDOWN_DELAY_MS,
    ortIntraOpThreads: e.ORT_INTRA_OP_THREADS,
    ortExecutionProviders: e.ORT_EXECUTION_PROVIDERS.split(','),
    jobs: {
      driftIntervalMs: e.DRIFT_REPORT_INTERVAL_S * 1000,
      cleanupIntervalMs: e.PREDICTION_LOG_CLEANUP_INTERVAL_S * 1000,
    },
    otel: {
      endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
      serviceName: e.OTEL_SERVICE_NAME,
      sampleRatio: e.OTEL_TRACES_SAMPLER_ARG,
    },
    auth: {
      adminKey: e.MODELGARDEN_ADMIN_KEY,
      anonymousLoopback: e.ALLOW_ANONYMOUS_LOOPBACK,
      anonymousLoopbackWrites: e.ANONYMOUS_LOOPBACK_WRITES,
      metricsPublic: e.METRICS_PUBLIC,
      sessionTtlMs: Math.round(e.SESSION_TTL_HOURS * 3_600_000),
      secureCookies: e.SECURE_COOKIES ?? !isLoopbackHost(e.HOST),
      rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
      rateLimitLoopback: e.RATE_LIMIT_LOOPBACK,
      corsOrigins: e.CORS_ORIGINS === '*' ? '*' : (e.CORS_ORIGINS?.split(',') ?? []),
    },
    artifactStore:
      e.ARTIFACT_STORE === 's3'
        ? {
            kind: 's3',
            bucket: e.S3_BUCKET!,
            prefix: e.S3_PREFIX,
            endpoint: e.S3_ENDPOINT,
            region: e.S3_REGION,
            forcePathStyle: e.S3_FORCE_PATH_STYLE,
          }
        : { kind: 'fs' },
    role: e.ROLE,
    inferenceUrls: e.INFERENCE_URLS?.split(',').map((u) => u.replace(/\/+$/, '')) ?? [],
    inferenceTimeoutMs: e.INFERENCE_TIMEOUT_MS,
    retrievalEmbeddingModel: e.RETRIEVAL_EMBEDDING_MODEL ?? null,
    llm: loadLlmConfig(merged, cwd),
    secretKeys: {
      current: e.MODELGARDEN_SECRET_KEY
        ? parseSecretKey(e.MODELGARDEN_SECRET_KEY, 'MODELGARDEN_SECRET_KEY')
        : undefined,
      previous: (e.MODELGARDEN_SECRET_KEY_PREVIOUS ?? '')
        .split(',')
        .filter((k) => k.trim() !== '')
        .map((k) => parseSecretKey(k, 'MODELGARDEN_SECRET_KEY_PREVIOUS')),
    },
  };
}
