/**
 * The LLM gateway's configuration: providers from the common environment variables
 * (`OPENAI_API_KEY`, `OLLAMA_BASE_URL`, `ANTHROPIC_API_KEY`, `GEMINI_API_KEY`, each with its base URL)
 * plus, from the YAML file `LLM_CONFIG` names, more providers, model aliases with weighted
 * deployments and fallbacks, timeouts, retries, cool-down and per-key limits. Read once, here.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'zod';

export type LlmProviderKind = 'openai-compatible' | 'anthropic' | 'gemini';

/** One upstream provider; its models are offered as `<name>/<id>`. */
export interface LlmProviderConfig {
  name: string;
  kind: LlmProviderKind;
  baseUrl: string;
  /** Never logged, never returned by an API. */
  apiKey: string | undefined;
  /** Extra request headers (an organisation id, a proxy's key). */
  headers: Record<string, string>;
  /** Model ids offered even when the provider's listing is down or incomplete. */
  models: string[];
  /** Configured by the common environment variables or in the LLM_CONFIG file. */
  source?: 'env' | 'file';
}

export interface LlmDeployment {
  /** `<provider>/<model id>`. */
  model: string;
  weight: number;
}

/** A name callers use (`chat-default`) for weighted deployments and an ordered list of fallbacks. */
export interface LlmAliasConfig {
  deployments: LlmDeployment[];
  fallbacks: string[];
}

/** Per-key (or per-user, for web sessions) limits; a missing one is unlimited. */
export interface LlmLimits {
  requestsPerMinute?: number | undefined;
  tokensPerMinute?: number | undefined;
  tokensPerDay?: number | undefined;
  tokensPerMonth?: number | undefined;
}

export interface LlmConfig {
  providers: LlmProviderConfig[];
  aliases: Record<string, LlmAliasConfig>;
  timeouts: {
    /** TCP/TLS connect, handed to the providers' HTTP clients. */
    connectMs: number;
    /** From sending the request to the first streamed part (or the whole answer when not streaming). */
    firstTokenMs: number;
    /** The whole request, retries and fallbacks included. */
    totalMs: number;
  };
  retries: { maxRetries: number; baseDelayMs: number; maxDelayMs: number };
  /** A deployment that failed `failures` times in a row rests for `cooldownMs`. */
  cooldown: { failures: number; cooldownMs: number };
  /** How often provider model lists are fetched again; 0: only at start. */
  catalogRefreshMs: number;
  /** Limits for keys and users that have none of their own. */
  defaultLimits: LlmLimits;
  /** Completion tokens reserved against a budget when the request names no max_tokens. */
  completionReserveTokens: number;
  /** Store prompts and answers with the usage rows for every key (a key can also opt in on its own). */
  storeContent: boolean;
  /** Usage rows kept this many days; 0 keeps them forever. */
  usageRetentionDays: number;
}

const name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'must be lower-case letters, digits, ".", "_" or "-" (up to 63)');
const url = z.string().regex(/^https?:\/\/\S+$/, 'must be an http(s) URL');
const positiveMs = z.number().int().positive();
const count = z.number().int().min(0);

const providerSchema = z.strictObject({
  name,
  kind: z.enum(['openai-compatible', 'anthropic', 'gemini']),
  baseUrl: url,
  apiKey: z.string().min(1).optional(),
  /** The name of an environment variable holding the key, so the file itself can hold no secret. */
  apiKeyEnv: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name')
    .optional(),
  headers: z.record(z.string(), z.string()).default({}),
  models: z.array(z.string().min(1)).default([]),
});

const limitsSchema = z.strictObject({
  requestsPerMinute: count.optional(),
  tokensPerMinute: count.optional(),
  tokensPerDay: count.optional(),
  tokensPerMonth: count.optional(),
});

const modelRef = z.string().regex(/^[a-z0-9][a-z0-9_.-]*\/\S+$/, 'must be "<provider>/<model id>"');

const fileSchema = z.strictObject({
  providers: z.array(providerSchema).default([]),
  aliases: z
    .record(
      name,
      z.strictObject({
        deployments: z
          .array(
            z.union([
              modelRef,
              z.strictObject({ model: modelRef, weight: z.number().positive().default(1) }),
            ]),
          )
          .min(1),
        fallbacks: z.array(modelRef).default([]),
      }),
    )
    .default({}),
  timeouts: z
    .strictObject({
      connectMs: positiveMs.default(10_000),
      firstTokenMs: positiveMs.default(60_000),
      totalMs: positiveMs.default(600_000),
    })
    .default({ connectMs: 10_000, firstTokenMs: 60_000, totalMs: 600_000 }),
  retries: z
    .strictObject({
      maxRetries: z.number().int().min(0).max(10).default(2),
      baseDelayMs: z.number().int().min(0).default(250),
      maxDelayMs: z.number().int().min(0).default(8000),
    })
    .default({ maxRetries: 2, baseDelayMs: 250, maxDelayMs: 8000 }),
  cooldown: z
    .strictObject({
      failures: z.number().int().min(1).default(3),
      cooldownMs: z.number().int().min(0).default(30_000),
    })
    .default({ failures: 3, cooldownMs: 30_000 }),
  catalogRefreshSeconds: z.number().min(0).default(300),
  limits: limitsSchema.default({}),
  completionReserveTokens: z.number().int().positive().default(1024),
  storeContent: z.boolean().default(false),
  usageRetentionDays: z.number().int().min(0).default(90),
});

/** The environment variables the gateway reads (config.ts passes them in). */
export interface LlmEnv {
  OPENAI_API_KEY?: string | undefined;
  OPENAI_BASE_URL?: string | undefined;
  OLLAMA_BASE_URL?: string | undefined;
  ANTHROPIC_API_KEY?: string | undefined;
  ANTHROPIC_BASE_URL?: string | undefined;
  GEMINI_API_KEY?: string | undefined;
  GEMINI_BASE_URL?: string | undefined;
  LLM_CONFIG?: string | undefined;
}

function issuesOf(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ');
}

const trimSlash = (u: string) => u.replace(/\/+$/, '');

/** Providers from the common variables; a base URL alone is enough for Ollama. */
function envProviders(env: LlmEnv): LlmProviderConfig[] {
  const out: LlmProviderConfig[] = [];
  const base = { headers: {}, models: [], source: 'env' as const };
  const checkUrl = (variable: string, value: string) => {
    if (!/^https?:\/\/\S+$/.test(value))
      throw new Error(`Invalid configuration: ${variable}: must be an http(s) URL`);
    return trimSlash(value);
  };
  if (env.OPENAI_API_KEY || env.OPENAI_BASE_URL)
    out.push({
      ...base,
      name: 'openai',
      kind: 'openai-compatible',
      baseUrl: env.OPENAI_BASE_URL
        ? checkUrl('OPENAI_BASE_URL', env.OPENAI_BASE_URL)
        : 'https://api.openai.com/v1',
      apiKey: env.OPENAI_API_KEY,
    });
  if (env.OLLAMA_BASE_URL) {
    const root = checkUrl('OLLAMA_BASE_URL', env.OLLAMA_BASE_URL);
    // Ollama's OpenAI-compatible API lives under /v1 of the address people know (port 11434).
    out.push({
      ...base,
      name: 'ollama',
      kind: 'openai-compatible',
      baseUrl: root.endsWith('/v1') ? root : `${root}/v1`,
      apiKey: undefined,
    });
  }
  if (env.ANTHROPIC_API_KEY)
    out.push({
      ...base,
      name: 'anthropic',
      kind: 'anthropic',
      baseUrl: env.ANTHROPIC_BASE_URL
        ? checkUrl('ANTHROPIC_BASE_URL', env.ANTHROPIC_BASE_URL)
        : 'https://api.anthropic.com',
      apiKey: env.ANTHROPIC_API_KEY,
    });
  if (env.GEMINI_API_KEY)
    out.push({
      ...base,
      name: 'gemini',
      kind: 'gemini',
      baseUrl: env.GEMINI_BASE_URL
        ? checkUrl('GEMINI_BASE_URL', env.GEMINI_BASE_URL)
        : 'https://generativelanguage.googleapis.com',
      apiKey: env.GEMINI_API_KEY,
    });
  return out;
}

/**
 * Builds the gateway's configuration from the environment and, when `LLM_CONFIG` is set, its YAML
 * file (relative to `cwd`). Errors name the variable or the file and the field.
 * @example loadLlmConfig({ OLLAMA_BASE_URL: 'http://127.0.0.1:11434' }) // offers ollama/<every pulled model>
 */
export function loadLlmConfig(
  env: LlmEnv & Record<string, string | undefined>,
  cwd = process.cwd(),
): LlmConfig {
  let file: z.output<typeof fileSchema>;
  const where = env.LLM_CONFIG ? path.resolve(cwd, env.LLM_CONFIG) : undefined;
  if (where) {
    let raw: unknown;
    try {
      // The YAML parser loads only for a config file (~50 ms of every start otherwise), and
      // synchronously: the config is read once, before anything else runs.
      const yaml = createRequire(import.meta.url)('yaml') as typeof import('yaml');
      raw = yaml.parse(readFileSync(where, 'utf8')) ?? {};
    } catch (err) {
      throw new Error(`Invalid configuration: LLM_CONFIG (${where}): ${(err as Error).message}`);
    }
    const parsed = fileSchema.safeParse(raw);
    if (!parsed.success)
      throw new Error(`Invalid configuration: LLM_CONFIG (${where}): ${issuesOf(parsed.error)}`);
    file = parsed.data;
  } else file = fileSchema.parse({});
  const providers = envProviders(env);
  for (const [i, p] of file.providers.entries()) {
    const at = `LLM_CONFIG (${where}): providers.${i}`;
    if (providers.some((q) => q.name === p.name))
      throw new Error(`Invalid configuration: ${at}.name: "${p.name}" is already configured`);
    if (p.apiKeyEnv && !env[p.apiKeyEnv])
      throw new Error(`Invalid configuration: ${at}.apiKeyEnv: ${p.apiKeyEnv} is not set`);
    const apiKey = p.apiKey ?? (p.apiKeyEnv ? env[p.apiKeyEnv] : undefined);
    if (p.kind !== 'openai-compatible' && !apiKey)
      throw new Error(
        `Invalid configuration: ${at}.apiKey: required for a ${p.kind} provider (or apiKeyEnv)`,
      );
    providers.push({
      name: p.name,
      kind: p.kind,
      baseUrl: trimSlash(p.baseUrl),
      apiKey,
      headers: p.headers,
      models: p.models,
      source: 'file',
    });
  }
  const names = new Set(providers.map((p) => p.name));
  const aliases: Record<string, LlmAliasConfig> = {};
  for (const [alias, a] of Object.entries(file.aliases)) {
    if (names.has(alias))
      throw new Error(
        `Invalid configuration: LLM_CONFIG (${where}): aliases.${alias}: a provider has that name`,
      );
    const deployments = a.deployments.map((d) => (typeof d === 'string' ? { model: d, weight: 1 } : d));
    for (const [i, ref] of [...deployments.map((d) => d.model), ...a.fallbacks].entries()) {
      const provider = ref.slice(0, ref.indexOf('/'));
      if (!names.has(provider))
        throw new Error(
          `Invalid configuration: LLM_CONFIG (${where}): aliases.${alias}.${i < deployments.length ? `deployments.${i}` : `fallbacks.${i - deployments.length}`}: no provider named "${provider}"`,
        );
    }
    aliases[alias] = { deployments, fallbacks: a.fallbacks };
  }
  return {
    providers,
    aliases,
    timeouts: file.timeouts,
    retries: file.retries,
    cooldown: file.cooldown,
    catalogRefreshMs: Math.round(file.catalogRefreshSeconds * 1000),
    defaultLimits: file.limits,
    completionReserveTokens: file.completionReserveTokens,
    storeContent: file.storeContent,
    usageRetentionDays: file.usageRetentionDays,
  };
}
