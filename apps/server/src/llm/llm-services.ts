/**
 * Builds the LLM gateway's services from its configuration: one provider per configured provider
 * (providers/index.ts), the catalog over them, the router, limits, key settings, the usage log and
 * the gateway. context.ts calls this; anything else that needs to call a model (the tool loop, MCP)
 * takes the gateway from the context.
 */
import { createRequire } from 'node:module';
import type { LlmConfig, LlmProviderConfig } from '../config/llm-config.js';
import type { Db } from '../db/database.js';
import { SecretBox } from '../security/secret-box.js';
import { ModelCatalog } from './catalog.js';
import type { Clock } from './clock.js';
import { type GatewayObserver, LlmGateway } from './gateway.js';
import { KeySettingsStore } from './key-settings.js';
import { type LimitCounter, LimitStore } from './limits.js';
import { ExclusiveLimitStore } from './local-limits.js';
import { ManagedLlm } from './managed-llm.js';
import { createProvider, type ProviderConfig } from './providers/index.js';
import { redactCredential } from './redacting-provider.js';
import { RedisLimitStore } from './redis-limits.js';
import { LlmRouter, type RouterObserver } from './router.js';
import type { LlmProvider } from './spec.js';
import { loadTokenizer } from './tokens.js';
import { UsageLog } from './usage-log.js';

export interface LlmServices {
  gateway: LlmGateway;
  catalog: ModelCatalog;
  router: LlmRouter;
  limits: LimitCounter;
  keySettings: KeySettingsStore;
  usage: UsageLog;
  /** Providers and aliases admins manage through the API (llm/managed-llm.ts). */
  managed: ManagedLlm;
  /** Whether any provider is configured (the chat page says which variable to set otherwise). */
  readonly configured: boolean;
  /** Lists the providers' models (not awaited by readiness) and starts the periodic refresh. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface LlmServiceOptions {
  observers?: { gateway?: GatewayObserver; router?: RouterObserver };
  onError?: (what: string, err: unknown) => void;
  /** Providers to use instead of building them from the config (tests). */
  providers?: LlmProvider[];
  clock?: Clock;
  /**
   * The database is this process's alone (embedded PGlite): limits are counted in memory and
   * written behind (local-limits.ts). Otherwise every reservation is a conditional upsert.
   */
  exclusiveDatabase?: boolean;
  /** REDIS_URL: limits and budgets are counted in Redis (redis-limits.ts), whatever the database. */
  redisUrl?: string | undefined;
  /** Seals the credentials admins store (MODELGARDEN_SECRET_KEY); without a key none can be stored. */
  secretKeys?: { current: Buffer | undefined; previous: Buffer[] };
  /** How often another replica's provider and alias changes are looked for (shared database only). */
  reloadIntervalMs?: number;
}

/** How often a replica on a shared database checks whether the stored providers or aliases changed. */
export const MANAGED_RELOAD_INTERVAL_MS = 2000;

export function providerConfig(
  p: LlmProviderConfig,
  timeouts: Pick<LlmConfig['timeouts'], 'connectMs' | 'totalMs'>,
): ProviderConfig {
  const base = {
    name: p.name,
    baseURL: p.baseUrl,
    ...(Object.keys(p.headers).length > 0 ? { headers: p.headers } : {}),
    // The router keeps the first-token and whole-request clocks over retries and fallbacks.
    timeouts: { connectMs: timeouts.connectMs, totalMs: timeouts.totalMs },
  };
  if (p.kind === 'openai-compatible')
    return { ...base, kind: p.kind, ...(p.apiKey ? { apiKey: p.apiKey } : {}) };
  return { ...base, kind: p.kind, apiKey: p.apiKey ?? '' };
}

/** ioredis loads only where REDIS_URL is set (~90 ms of every other start). */
function connectRedis(url: string): import('ioredis').Redis {
  const { Redis } = createRequire(import.meta.url)('ioredis') as typeof import('ioredis');
  return new Redis(url, { enableAutoPipelining: true });
}

export function createLlmServices(db: Db, config: LlmConfig, options: LlmServiceOptions = {}): LlmServices {
  const providers =
    options.providers ??
    config.providers.map((p) =>
      redactCredential(createProvider(providerConfig(p, config.timeouts)), p.apiKey),
    );
  const catalog = new ModelCatalog(new Map(providers.map((p) => [p.name, p])), config.aliases, {
    staticModels: Object.fromEntries(config.providers.map((p) => [p.name, p.models])),
    listTimeoutMs: config.timeouts.connectMs + 5000,
    onListError: (provider, err) => options.onError?.(`listing the models of ${provider}`, err),
  });
  const managed = new ManagedLlm({
    db,
    config,
    staticProviders: providers,
    catalog,
    box: new SecretBox(options.secretKeys?.current, options.secretKeys?.previous),
    build: (p, timeouts) => createProvider(providerConfig(p, timeouts)),
    ...(options.onError ? { onError: options.onError } : {}),
  });
  const router = new LlmRouter(config, options.clock, options.observers?.router);
  const limitOptions = {
    now: options.clock ? () => options.clock!.now() : Date.now,
    onError: (err: unknown) => options.onError?.('writing LLM limit counters', err),
  };
  const limits: LimitCounter = options.redisUrl
    ? new RedisLimitStore(connectRedis(options.redisUrl), limitOptions)
    : options.exclusiveDatabase
      ? new ExclusiveLimitStore(db, limitOptions)
      : new LimitStore(db, limitOptions);
  const keySettings = new KeySettingsStore(db);
  const usage = new UsageLog(db, { onError: (err) => options.onError?.('writing LLM usage', err) });
  const gateway = new LlmGateway({
    catalog,
    router,
    limits,
    keySettings,
    usage,
    config,
    ...(options.observers?.gateway ? { observer: options.observers.gateway } : {}),
  });
  return {
    gateway,
    catalog,
    router,
    limits,
    keySettings,
    usage,
    managed,
    get configured() {
      return catalog.providers.size > 0;
    },
    async start() {
      // With a provider configured, load the tokenizer now rather than in the first caller's request.
      if (catalog.providers.size > 0)
        void loadTokenizer().catch((err) => options.onError?.('loading the tokenizer', err));
      // The stored providers join before the first listing, which lists them with the others.
      await managed
        .load({ list: false })
        .catch((err) => options.onError?.('loading the LLM providers and aliases from the database', err));
      if (!options.exclusiveDatabase)
        managed.startPolling(options.reloadIntervalMs ?? MANAGED_RELOAD_INTERVAL_MS);
      return catalog.start(config.catalogRefreshMs);
    },
    async close() {
      catalog.close();
      await managed.close();
      await limits.flush().catch(() => {});
      await limits.close?.().catch(() => {});
      await usage.close();
      await Promise.all(providers.map((p) => p.close?.().catch(() => {})));
    },
  };
}
