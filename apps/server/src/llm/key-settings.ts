/**
 * Per-key LLM settings: which models a key may use, its own limits and budgets (each falls back to
 * LLM_CONFIG's `limits` when unset), and whether its prompts and answers are stored. Read on every
 * gateway call, so lookups are cached for a few seconds (a change through this process clears it).
 */
import { eq, sql } from 'drizzle-orm';
import type { LlmLimits } from '../config/llm-config.js';
import type { Db } from '../db/database.js';
import { llmKeySettings } from '../db/llm-schema.js';

export interface KeySettings {
  /** Model names the key may use (`*` at the end matches a prefix, e.g. `ollama/*`); null: every model. */
  allowedModels: string[] | null;
  requestsPerMinute: number | null;
  tokensPerMinute: number | null;
  tokensPerDay: number | null;
  tokensPerMonth: number | null;
  storeContent: boolean;
}

export const NO_SETTINGS: KeySettings = {
  allowedModels: null,
  requestsPerMinute: null,
  tokensPerMinute: null,
  tokensPerDay: null,
  tokensPerMonth: null,
  storeContent: false,
};

const CACHE_MS = 5_000;

export class KeySettingsStore {
  /** Promises, so a burst of calls with a cold key makes one lookup, not one each. */
  private readonly cache = new Map<number, { at: number; settings: Promise<KeySettings> }>();

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  get(keyId: number): Promise<KeySettings> {
    const hit = this.cache.get(keyId);
    if (hit && this.now() - hit.at < CACHE_MS) return hit.settings;
    const settings = this.load(keyId);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(keyId, { at: this.now(), settings });
    settings.catch(() => this.cache.delete(keyId));
    return settings;
  }

  private async load(keyId: number): Promise<KeySettings> {
    const [row] = await this.db.select().from(llmKeySettings).where(eq(llmKeySettings.keyId, keyId));
    return row
      ? {
          allowedModels: row.allowedModels ?? null,
          requestsPerMinute: row.requestsPerMinute,
          tokensPerMinute: row.tokensPerMinute,
          tokensPerDay: row.tokensPerDay,
          tokensPerMonth: row.tokensPerMonth,
          storeContent: row.storeContent,
        }
      : NO_SETTINGS;
  }

  async set(keyId: number, settings: KeySettings): Promise<KeySettings> {
    const values = { ...settings, keyId, updatedAt: new Date(this.now()) };
    await this.db
      .insert(llmKeySettings)
      .values(values)
      .onConflictDoUpdate({ target: llmKeySettings.keyId, set: { ...values, updatedAt: sql`now()` } });
    this.cache.delete(keyId);
    return this.get(keyId);
  }
}

/** The limits that apply: the key's own where set, else the defaults. */
export function effectiveLimits(settings: KeySettings, defaults: LlmLimits): LlmLimits {
  return {
    requestsPerMinute: settings.requestsPerMinute ?? defaults.requestsPerMinute,
    tokensPerMinute: settings.tokensPerMinute ?? defaults.tokensPerMinute,
    tokensPerDay: settings.tokensPerDay ?? defaults.tokensPerDay,
    tokensPerMonth: settings.tokensPerMonth ?? defaults.tokensPerMonth,
  };
}

/** Whether an allow-list admits a model name. */
export function modelAllowed(allowed: readonly string[] | null, model: string): boolean {
  if (allowed === null) return true;
  return allowed.some((a) => (a.endsWith('*') ? model.startsWith(a.slice(0, -1)) : a === model));
}
