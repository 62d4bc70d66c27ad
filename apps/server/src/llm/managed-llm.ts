/**
 * LLM providers and model aliases that admins manage through the API, stored in Postgres
 * (llm_providers, llm_aliases) on top of the env and LLM_CONFIG ones, which stay read-only. A
 * provider's credential is sealed with the secret key (security/secret-box.ts) and opened only to
 * build the provider; no view, error or log line carries it.
 *
 * Every change runs in a transaction that first bumps the one llm_config_revision row (which locks
 * it, so changes apply one at a time on every replica), checks against what the database holds then,
 * and is applied to this replica's catalog before it answers. Other replicas poll the revision
 * (`startPolling`) and reload when it moved. Loading also re-seals credentials sealed with a previous
 * key (rotation), and reports the ones no configured key opens.
 */
import { createHash } from 'node:crypto';
import { asc, eq, sql } from 'drizzle-orm';
import type { LlmAliasConfig, LlmConfig, LlmProviderConfig } from '../config/llm-config.js';
import type {
  LlmAliasPatch,
  LlmAliasView,
  LlmProviderKindName,
  LlmProviderPatch,
  LlmProviderView,
  NewLlmAlias,
  NewLlmProvider,
} from '../contract/llm-provider-schemas.js';
import type { Db } from '../db/database.js';
import { llmAliases, llmConfigRevision, llmProviders } from '../db/llm-schema.js';
import { type ErrorCode, ModelGardenError } from '../errors/model-garden-error.js';
import type { Queryable } from '../registry/alias-store.js';
import { type SecretBox, SecretBoxError } from '../security/secret-box.js';
import type { ModelCatalog } from './catalog.js';
import { DEFAULT_BASE_URLS } from './providers/index.js';
import { redactCredential } from './redacting-provider.js';
import type { LlmProvider } from './spec.js';

type ProviderRow = typeof llmProviders.$inferSelect;
type AliasRow = typeof llmAliases.$inferSelect;

const NAME = /^[a-z0-9][a-z0-9_.-]{0,62}$/;
const MODEL_REF = /^([a-z0-9][a-z0-9_.-]{0,62})\/(\S{1,256})$/;
/** A provider's `error` as callers who are not admins see it. */
const PROBLEM_FOR_NON_ADMINS = 'The provider has a problem; an admin sees the reason in /admin/llm';
/** How long a change waits for a new provider's first model list before it answers anyway. */
const LISTING_WAIT_MS = 5000;
/** How long a replaced provider's connections stay open for the calls still using them. */
const RETIRE_AFTER_MS = 60_000;

export interface ManagedLlmOptions {
  db: Db;
  /** The env and LLM_CONFIG configuration (its providers and aliases are the read-only ones). */
  config: LlmConfig;
  /** The providers built from `config.providers` (or given by a test). */
  staticProviders: readonly LlmProvider[];
  catalog: ModelCatalog;
  box: SecretBox;
  /** Builds a provider from a config (llm-services.ts: the same path env and file providers take). */
  build(config: LlmProviderConfig, timeouts: { connectMs: number; totalMs: number }): LlmProvider;
  onError?: (what: string, err: unknown) => void;
}

interface Built {
  fingerprint: string;
  provider: LlmProvider;
}

interface ProviderState {
  state: 'active' | 'disabled' | 'error';
  error: string | null;
}

export class ManagedLlm {
  private providerRows: ProviderRow[] = [];
  private aliasRows: AliasRow[] = [];
  private states = new Map<string, ProviderState>();
  private readonly built = new Map<string, Built>();
  private readonly retiring = new Set<{ timer: ReturnType<typeof setTimeout>; provider: LlmProvider }>();
  private loadedRevision: number | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private pollTimer: ReturnType<typeof setInterval> | undefined;
  private closed = false;

  constructor(private readonly o: ManagedLlmOptions) {}

  /** Reads the stored providers and aliases and applies them; resolves once new ones were listed (or after 5 s). */
  load(options: { list?: boolean } = {}): Promise<void> {
    const run = this.queue.then(() => this.loadNow(options.list ?? true));
    this.queue = run.catch(() => {});
    return run;
  }

  /** Reloads whenever another replica changed something (the revision row moved). */
  startPolling(intervalMs: number): void {
    if (intervalMs <= 0 || this.pollTimer) return;
    this.pollTimer = setInterval(() => {
      void this.currentRevision(this.o.db)
        .then((revision) => (revision !== this.loadedRevision ? this.load() : undefined))
        .catch((err) => this.o.onError?.('reloading the LLM providers and aliases', err));
    }, intervalMs);
    this.pollTimer.unref();
  }

  /** Closes every provider built here; a reload still under way applies nothing after this. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.pollTimer);
    const closing = [...this.built.values()].map((b) => b.provider);
    for (const r of this.retiring) {
      clearTimeout(r.timer);
      closing.push(r.provider);
    }
    this.retiring.clear();
    this.built.clear();
    await Promise.all(closing.map((p) => p.close?.().catch(() => {})));
  }

  // ---- views ----------------------------------------------------------------------------------

  /** Every provider, env and file ones first; `admin` adds the settings (never the credential). */
  providers(admin: boolean): LlmProviderView[] {
    const listed = new Map(this.o.catalog.status().map((s) => [s.name, s]));
    const status = (name: string, fallback: ProviderState) => {
      const s = listed.get(name);
      const state = s ? { state: 'active' as const, error: s.error } : fallback;
      return {
        state: state.state,
        // The reason names hosts, key ids and whatever an upstream said (an env key it quoted, even):
        // admins' to read. Everyone else learns that something is wrong.
        error: admin || state.error === null ? state.error : PROBLEM_FOR_NON_ADMINS,
        listedAt: s?.listedAt ? new Date(s.listedAt).toISOString() : null,
        models: s?.models ?? 0,
      };
    };
    const configs = new Map(this.o.config.providers.map((p) => [p.name, p]));
    const out: LlmProviderView[] = this.o.staticProviders.map((p) => {
      const c = configs.get(p.name);
      const common = { name: p.name, kind: p.kind, source: c?.source ?? 'file', enabled: true } as const;
      return {
        ...common,
        ...status(p.name, { state: 'active', error: null }),
        ...(admin
          ? {
              readOnly: true,
              baseUrl: c?.baseUrl ?? '',
              hasApiKey: Boolean(c?.apiKey),
              configuredModels: c?.models ?? [],
              connectTimeoutMs: null,
              requestTimeoutMs: null,
              revision: null,
              createdBy: null,
              updatedBy: null,
              createdAt: null,
              updatedAt: null,
            }
          : {}),
      };
    });
    for (const row of this.providerRows) {
      const fallback = this.states.get(row.name) ?? { state: 'disabled' as const, error: null };
      out.push({
        name: row.name,
        kind: row.kind as LlmProviderKindName,
        source: 'database',
        enabled: row.enabled,
        ...status(row.name, fallback),
        ...(admin
          ? {
              readOnly: false,
              baseUrl: row.baseUrl,
              hasApiKey: row.apiKeySealed !== null,
              configuredModels: row.models,
              connectTimeoutMs: row.connectTimeoutMs,
              requestTimeoutMs: row.requestTimeoutMs,
              revision: row.revision,
              createdBy: row.createdBy,
              updatedBy: row.updatedBy,
              createdAt: row.createdAt.toISOString(),
              updatedAt: row.updatedAt.toISOString(),
            }
          : {}),
      });
    }
    return out;
  }

  provider(name: string): LlmProviderView {
    const found = this.providers(true).find((p) => p.name === name);
    if (!found) throw providerNotFound(name);
    return found;
  }

  aliases(): LlmAliasView[] {
    const none = { revision: null, createdBy: null, updatedBy: null, createdAt: null, updatedAt: null };
    return [
      ...Object.entries(this.o.config.aliases).map(([name, a]) => ({
        name,
        source: 'file' as const,
        readOnly: true,
        deployments: a.deployments,
        fallbacks: a.fallbacks,
        ...none,
      })),
      ...this.aliasRows.map((row) => ({
        name: row.name,
        source: 'database' as const,
        readOnly: false,
        deployments: row.deployments,
        fallbacks: row.fallbacks,
        revision: row.revision,
        createdBy: row.createdBy,
        updatedBy: row.updatedBy,
        createdAt: row.createdAt.toISOString(),
        updatedAt: row.updatedAt.toISOString(),
      })),
    ];
  }

  alias(name: string): LlmAliasView {
    const found = this.aliases().find((a) => a.name === name);
    if (!found) throw aliasNotFound(name);
    return found;
  }

  /** Whether credentials can be stored, and the id of the key that seals them. */
  secretKey(): { configured: boolean; keyId: string | null } {
    return { configured: this.o.box.canSeal, keyId: this.o.box.keyId ?? null };
  }

  // ---- providers ------------------------------------------------------------------------------

  async createProvider(input: NewLlmProvider, actor: string | null): Promise<LlmProviderView> {
    checkName(input.name, 'INVALID_PROVIDER_NAME', 'provider');
    const baseUrl = checkUrl(input.baseUrl ?? defaultBaseUrl(input.kind));
    if ((input.kind === 'anthropic' || input.kind === 'gemini') && !input.apiKey)
      throw new ModelGardenError('PROVIDER_API_KEY_REQUIRED', `A ${input.kind} provider needs an apiKey`, {
        details: { param: 'apiKey' },
      });
    const sealed = input.apiKey === undefined ? null : this.seal(input.apiKey, input.name);
    await this.change(async (tx) => {
      if (this.isStaticProvider(input.name) || (await rowOf(tx, input.name)))
        throw new ModelGardenError('PROVIDER_EXISTS', `A provider named "${input.name}" already exists`);
      if (this.o.config.aliases[input.name] || (await aliasRowOf(tx, input.name)))
        throw new ModelGardenError('PROVIDER_EXISTS', `A model alias is named "${input.name}"`);
      await tx.insert(llmProviders).values({
        name: input.name,
        kind: input.kind,
        baseUrl,
        apiKeySealed: sealed,
        models: input.models ?? [],
        enabled: input.enabled ?? true,
        connectTimeoutMs: input.connectTimeoutMs ?? null,
        requestTimeoutMs: input.requestTimeoutMs ?? null,
        createdBy: actor,
        updatedBy: actor,
      });
    });
    return this.provider(input.name);
  }

  async updateProvider(
    name: string,
    patch: LlmProviderPatch,
    actor: string | null,
  ): Promise<LlmProviderView> {
    const baseUrl = patch.baseUrl === undefined ? undefined : checkUrl(patch.baseUrl);
    const sealed =
      patch.apiKey === undefined ? undefined : patch.apiKey === null ? null : this.seal(patch.apiKey, name);
    await this.change(async (tx) => {
      const row = await this.writableRow(tx, name);
      checkRevision(row.revision, patch.revision, `provider "${name}"`);
      const kind = patch.kind ?? (row.kind as LlmProviderKindName);
      const keyAfter = sealed === undefined ? row.apiKeySealed : sealed;
      // The stored key goes to whatever host baseUrl names: moving it elsewhere would hand the key
      // to that host (an admin session could read it that way), so that takes the key again.
      if (
        baseUrl !== undefined &&
        sealed === undefined &&
        row.apiKeySealed !== null &&
        new URL(baseUrl).origin !== new URL(row.baseUrl).origin
      )
        throw new ModelGardenError(
          'PROVIDER_API_KEY_REQUIRED',
          `The stored credential of "${name}" is sent to its baseUrl's host: give apiKey again (or null to remove it) to move it to another host`,
          { details: { param: 'apiKey' } },
        );
      if ((kind === 'anthropic' || kind === 'gemini') && keyAfter === null)
        throw new ModelGardenError('PROVIDER_API_KEY_REQUIRED', `A ${kind} provider needs an apiKey`, {
          details: { param: 'apiKey' },
        });
      await tx
        .update(llmProviders)
        .set({
          ...(patch.kind === undefined ? {} : { kind: patch.kind }),
          ...(baseUrl === undefined ? {} : { baseUrl }),
          ...(sealed === undefined ? {} : { apiKeySealed: sealed }),
          ...(patch.models === undefined ? {} : { models: patch.models }),
          ...(patch.enabled === undefined ? {} : { enabled: patch.enabled }),
          ...(patch.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: patch.connectTimeoutMs }),
          ...(patch.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: patch.requestTimeoutMs }),
          revision: row.revision + 1,
          updatedBy: actor,
          updatedAt: sql`now()`,
        })
        .where(eq(llmProviders.name, name));
    });
    return this.provider(name);
  }

  async deleteProvider(name: string): Promise<void> {
    await this.change(async (tx) => {
      await this.writableRow(tx, name);
      const users = (await tx.select().from(llmAliases))
        .filter((a) =>
          [...a.deployments.map((d) => d.model), ...a.fallbacks].some((m) => providerOf(m) === name),
        )
        .map((a) => a.name);
      if (users.length > 0)
        throw new ModelGardenError(
          'PROVIDER_IN_USE',
          `The model alias${users.length > 1 ? 'es' : ''} ${users.map((u) => `"${u}"`).join(', ')} still send${users.length > 1 ? '' : 's'} traffic to "${name}"; change or delete ${users.length > 1 ? 'them' : 'it'} first`,
          { details: { aliases: users } },
        );
      await tx.delete(llmProviders).where(eq(llmProviders.name, name));
    });
  }

  // ---- aliases --------------------------------------------------------------------------------

  async createAlias(input: NewLlmAlias, actor: string | null): Promise<LlmAliasView> {
    checkName(input.name, 'INVALID_LLM_ALIAS_NAME', 'model alias');
    const deployments = input.deployments.map((d) => ({ model: d.model, weight: d.weight ?? 1 }));
    const fallbacks = input.fallbacks ?? [];
    await this.change(async (tx) => {
      if (this.o.config.aliases[input.name] || (await aliasRowOf(tx, input.name)))
        throw new ModelGardenError('LLM_ALIAS_EXISTS', `A model alias named "${input.name}" already exists`);
      if (this.isStaticProvider(input.name) || (await rowOf(tx, input.name)))
        throw new ModelGardenError('LLM_ALIAS_EXISTS', `A provider is named "${input.name}"`);
      await this.checkDeployments(tx, deployments, fallbacks);
      await tx.insert(llmAliases).values({
        name: input.name,
        deployments,
        fallbacks,
        createdBy: actor,
        updatedBy: actor,
      });
    });
    return this.alias(input.name);
  }

  async updateAlias(name: string, patch: LlmAliasPatch, actor: string | null): Promise<LlmAliasView> {
    await this.change(async (tx) => {
      const row = await this.writableAlias(tx, name);
      checkRevision(row.revision, patch.revision, `model alias "${name}"`);
      const deployments =
        patch.deployments?.map((d) => ({ model: d.model, weight: d.weight ?? 1 })) ?? row.deployments;
      const fallbacks = patch.fallbacks ?? row.fallbacks;
      await this.checkDeployments(tx, deployments, fallbacks);
      await tx
        .update(llmAliases)
        .set({ deployments, fallbacks, revision: row.revision + 1, updatedBy: actor, updatedAt: sql`now()` })
        .where(eq(llmAliases.name, name));
    });
    return this.alias(name);
  }

  async deleteAlias(name: string): Promise<void> {
    await this.change(async (tx) => {
      await this.writableAlias(tx, name);
      await tx.delete(llmAliases).where(eq(llmAliases.name, name));
    });
  }

  // ---- inside -----------------------------------------------------------------------------------

  private isStaticProvider(name: string): boolean {
    return this.o.staticProviders.some((p) => p.name === name);
  }

  private seal(apiKey: string, name: string): string {
    if (!this.o.box.canSeal)
      throw new ModelGardenError(
        'SECRET_KEY_NOT_CONFIGURED',
        'Provider credentials are stored encrypted and no key is configured: set MODELGARDEN_SECRET_KEY to 32 random bytes (`openssl rand -base64 32`) and restart, or leave apiKey out',
        { details: { variable: 'MODELGARDEN_SECRET_KEY', param: 'apiKey' } },
      );
    return this.o.box.seal(apiKey, credentialContext(name));
  }

  private async writableRow(tx: Queryable, name: string): Promise<ProviderRow> {
    const row = await rowOf(tx, name);
    if (row) return row;
    if (this.isStaticProvider(name))
      throw new ModelGardenError(
        'LLM_CONFIG_READ_ONLY',
        `The provider "${name}" is configured by environment variables or LLM_CONFIG; change it there`,
      );
    throw providerNotFound(name);
  }

  private async writableAlias(tx: Queryable, name: string): Promise<AliasRow> {
    const row = await aliasRowOf(tx, name);
    if (row) return row;
    if (this.o.config.aliases[name])
      throw new ModelGardenError(
        'LLM_CONFIG_READ_ONLY',
        `The model alias "${name}" is configured in LLM_CONFIG; change it there`,
      );
    throw aliasNotFound(name);
  }

  /** Every deployment and fallback names a provider that exists and, once it listed, one of its models. */
  private async checkDeployments(
    tx: Queryable,
    deployments: Array<{ model: string }>,
    fallbacks: string[],
  ): Promise<void> {
    const stored = new Set(
      (await tx.select({ name: llmProviders.name }).from(llmProviders)).map((r) => r.name),
    );
    const refs = [
      ...deployments.map((d, i) => [d.model, `deployments.${i}.model`] as const),
      ...fallbacks.map((f, i) => [f, `fallbacks.${i}`] as const),
    ];
    for (const [ref, param] of refs) {
      const m = MODEL_REF.exec(ref);
      const bad = (why: string) =>
        new ModelGardenError('INVALID_DEPLOYMENT', `${param}: ${why}`, {
          details: { param, model: ref.slice(0, 200) },
        });
      if (!m) throw bad('must be "<provider>/<model id>"');
      const [, provider, model] = m as unknown as [string, string, string];
      if (!this.isStaticProvider(provider) && !stored.has(provider))
        throw bad(`no provider named "${provider}"`);
      // A provider that has listed its models is held to them; one that never did is taken at its word.
      if (this.o.catalog.providers.has(provider) && !this.o.catalog.get(ref))
        throw bad(`the provider "${provider}" offers no model "${model.slice(0, 200)}"`);
    }
  }

  /** Runs a change in a transaction holding the revision row's lock, then applies it here. */
  private async change(run: (tx: Queryable) => Promise<void>): Promise<void> {
    await this.o.db.transaction(async (tx) => {
      await tx
        .insert(llmConfigRevision)
        .values({ id: 1, revision: 1 })
        .onConflictDoUpdate({
          target: llmConfigRevision.id,
          set: { revision: sql`${llmConfigRevision.revision} + 1` },
        });
      await run(tx);
    });
    await this.load();
  }

  private async currentRevision(db: Queryable): Promise<number> {
    const [row] = await db.select().from(llmConfigRevision).where(eq(llmConfigRevision.id, 1));
    return row?.revision ?? 0;
  }

  private async loadNow(list: boolean): Promise<void> {
    if (this.closed) return;
    const revision = await this.currentRevision(this.o.db);
    const providerRows = await this.o.db.select().from(llmProviders).orderBy(asc(llmProviders.name));
    const aliasRows = await this.o.db.select().from(llmAliases).orderBy(asc(llmAliases.name));
    const providers = new Map(this.o.staticProviders.map((p) => [p.name, p]));
    const staticModels: Record<string, string[]> = Object.fromEntries(
      this.o.config.providers.map((p) => [p.name, p.models]),
    );
    // Every await comes first (the reads above, re-sealing below); what follows is applied in one
    // synchronous step, so a view never sees a half-applied reload, and a close() that ran during the
    // awaits leaves nothing built behind it.
    const states = new Map<string, ProviderState>();
    const opened = new Map<string, string | undefined>();
    for (const row of providerRows) {
      if (!row.enabled) {
        states.set(row.name, { state: 'disabled', error: null });
        continue;
      }
      try {
        opened.set(row.name, row.apiKeySealed ? await this.open(row) : undefined);
      } catch (err) {
        const error = credentialProblem(row.name, err);
        states.set(row.name, { state: 'error', error });
        this.o.onError?.(`opening the stored credential of provider "${row.name}"`, new Error(error));
      }
    }
    if (this.closed) return;
    const keep = new Set<string>();
    for (const row of providerRows) {
      if (!opened.has(row.name)) continue;
      const apiKey = opened.get(row.name);
      const config: LlmProviderConfig = {
        name: row.name,
        kind: row.kind === 'ollama' ? 'openai-compatible' : (row.kind as LlmProviderConfig['kind']),
        baseUrl: row.kind === 'ollama' ? ollamaV1(row.baseUrl) : row.baseUrl,
        apiKey,
        headers: {},
        models: row.models,
      };
      const timeouts = {
        connectMs: row.connectTimeoutMs ?? this.o.config.timeouts.connectMs,
        totalMs: row.requestTimeoutMs ?? this.o.config.timeouts.totalMs,
      };
      // What the provider is built from; the key only as its hash, so no second copy of it is kept.
      const keyHash = apiKey === undefined ? null : createHash('sha256').update(apiKey).digest('hex');
      const fingerprint = JSON.stringify([config.kind, config.baseUrl, keyHash, timeouts]);
      let built = this.built.get(row.name);
      if (built?.fingerprint !== fingerprint) {
        if (built) this.retire(built.provider);
        built = { fingerprint, provider: redactCredential(this.o.build(config, timeouts), apiKey) };
        this.built.set(row.name, built);
      }
      keep.add(row.name);
      providers.set(row.name, built.provider);
      staticModels[row.name] = row.models;
      states.set(row.name, { state: 'active', error: null });
    }
    for (const [name, b] of this.built)
      if (!keep.has(name)) {
        this.retire(b.provider);
        this.built.delete(name);
      }
    const aliases: Record<string, LlmAliasConfig> = { ...this.o.config.aliases };
    for (const row of aliasRows)
      aliases[row.name] = { deployments: row.deployments, fallbacks: row.fallbacks };
    this.providerRows = providerRows;
    this.aliasRows = aliasRows;
    this.states = states;
    this.loadedRevision = revision;
    const listing = this.o.catalog.replace(providers, aliases, staticModels);
    if (!list) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([listing, new Promise((r) => (timer = setTimeout(r, LISTING_WAIT_MS)))]);
    clearTimeout(timer);
  }

  /** Opens a row's credential; one sealed with a previous key is sealed again with the current one. */
  private async open(row: ProviderRow): Promise<string> {
    const sealed = row.apiKeySealed!;
    const apiKey = this.o.box.open(sealed, credentialContext(row.name));
    if (this.o.box.canSeal && this.o.box.needsRotation(sealed)) {
      const again = this.o.box.seal(apiKey, credentialContext(row.name));
      // Conditional: a replica that rotated (or an admin who changed it) first wins.
      await this.o.db
        .update(llmProviders)
        .set({ apiKeySealed: again })
        .where(sql`${llmProviders.name} = ${row.name} and ${llmProviders.apiKeySealed} = ${sealed}`)
        .catch((err) => this.o.onError?.(`re-sealing the credential of provider "${row.name}"`, err));
    }
    return apiKey;
  }

  private retire(provider: LlmProvider): void {
    const entry = {
      provider,
      timer: setTimeout(() => {
        this.retiring.delete(entry);
        void provider.close?.().catch(() => {});
      }, RETIRE_AFTER_MS),
    };
    entry.timer.unref();
    this.retiring.add(entry);
  }
}

/** What a credential is bound to: copied onto another provider's row it does not open. */
function credentialContext(name: string): string {
  return `llm-provider:${name}`;
}

/** Why a stored credential did not open, saying which variable to set (never the value). */
function credentialProblem(name: string, err: unknown): string {
  const failure = err instanceof SecretBoxError ? err.failure : 'malformed';
  switch (failure) {
    case 'no-key':
      return `The stored credential of "${name}" cannot be opened: MODELGARDEN_SECRET_KEY is not set`;
    case 'unknown-key':
      return `The stored credential of "${name}" cannot be opened: ${(err as Error).message}; set MODELGARDEN_SECRET_KEY to that key, or list it in MODELGARDEN_SECRET_KEY_PREVIOUS`;
    case 'tampered':
      return `The stored credential of "${name}" fails its integrity check (changed in the database, or sealed under another key): set its apiKey again`;
    case 'malformed':
      return `The stored credential of "${name}" is not a sealed value: set its apiKey again`;
  }
}

async function rowOf(tx: Queryable, name: string): Promise<ProviderRow | undefined> {
  const [row] = await tx.select().from(llmProviders).where(eq(llmProviders.name, name));
  return row;
}

async function aliasRowOf(tx: Queryable, name: string): Promise<AliasRow | undefined> {
  const [row] = await tx.select().from(llmAliases).where(eq(llmAliases.name, name));
  return row;
}

function providerOf(ref: string): string {
  return ref.slice(0, Math.max(0, ref.indexOf('/')));
}

function checkName(name: string, code: ErrorCode, what: string): void {
  if (!NAME.test(name))
    throw new ModelGardenError(
      code,
      `A ${what} name must be 1–63 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit`,
      { details: { param: 'name', name: name.slice(0, 100) } },
    );
}

/** An absolute http(s) URL without credentials, trailing slashes trimmed. */
function checkUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {}
  const bad = (why: string) =>
    new ModelGardenError('INVALID_PROVIDER_URL', `baseUrl ${why}`, { details: { param: 'baseUrl' } });
  // Spaces and control characters (a NUL the database refuses, a line break in a header) are not in a URL.
  const unsafe = [...value].some((c) => c.charCodeAt(0) <= 0x20 || c.charCodeAt(0) === 0x7f);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || unsafe)
    throw bad('must be an absolute http:// or https:// URL');
  // Base URLs are shown to admins and written in logs: a credential belongs in apiKey.
  if (url.username || url.password) throw bad('must not carry a user name or password; use apiKey');
  if (url.search || url.hash) throw bad('must not carry a query or a fragment');
  return value.replace(/\/+$/, '');
}

function defaultBaseUrl(kind: LlmProviderKindName): string {
  return kind === 'openai-compatible'
    ? DEFAULT_BASE_URLS.openai
    : DEFAULT_BASE_URLS[kind].replace(/\/v1$/, '');
}

/** Ollama's OpenAI-compatible API lives under /v1 of the address people know (as OLLAMA_BASE_URL). */
function ollamaV1(root: string): string {
  return root.endsWith('/v1') ? root : `${root}/v1`;
}

function checkRevision(current: number, expected: number | undefined, what: string): void {
  if (expected !== undefined && expected !== current)
    throw new ModelGardenError(
      'LLM_CONFIG_CONFLICT',
      `The ${what} changed since revision ${expected} (it is at ${current}); read it again`,
      { details: { revision: current } },
    );
}

function providerNotFound(name: string): ModelGardenError {
  return new ModelGardenError('PROVIDER_NOT_FOUND', `No LLM provider named "${name.slice(0, 100)}"`);
}

function aliasNotFound(name: string): ModelGardenError {
  return new ModelGardenError('LLM_ALIAS_NOT_FOUND', `No LLM model alias named "${name.slice(0, 100)}"`);
}
