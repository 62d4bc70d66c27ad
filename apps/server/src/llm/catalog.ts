/**
 * The model catalog: every model each provider lists, offered as `<provider>/<id>`, plus the
 * configured aliases on top. Listed at start and refreshed periodically; a provider that is down
 * keeps its last list (and its configured `models`), and never blocks the others or readiness.
 */
import type { LlmAliasConfig } from '../config/llm-config.js';
import { ModelGardenError } from '../errors/model-garden-error.js';
import type { Deployment, Route } from './router.js';
import type { LlmProvider, ProviderModel } from './spec.js';

export interface CatalogModel {
  /** The name callers use: `<provider>/<id>` or an alias. */
  id: string;
  created: number;
  ownedBy: string;
  kind?: 'chat' | 'embedding';
  /** For aliases: the deployments' refs. */
  deployments?: string[];
}

export interface ProviderStatus {
  name: string;
  kind: LlmProvider['kind'];
  /** Null until the first listing finished. */
  listedAt: number | null;
  models: number;
  error: string | null;
}

interface Listing {
  at: number | null;
  models: ProviderModel[];
  error: string | null;
}

export interface CatalogOptions {
  /** Models offered per provider even when its listing is down (config `models`). */
  staticModels?: Record<string, string[]>;
  /** One listing may take this long before it counts as failed. */
  listTimeoutMs?: number;
  now?: () => number;
  onListError?: (provider: string, error: unknown) => void;
}

export class ModelCatalog {
  private readonly listings = new Map<string, Listing>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly started = Math.floor(Date.now() / 1000);

  private _providers: ReadonlyMap<string, LlmProvider>;
  private aliases: Readonly<Record<string, LlmAliasConfig>>;

  constructor(
    providers: ReadonlyMap<string, LlmProvider>,
    aliases: Readonly<Record<string, LlmAliasConfig>>,
    private readonly options: CatalogOptions = {},
  ) {
    this._providers = providers;
    this.aliases = aliases;
    for (const name of providers.keys()) this.listings.set(name, { at: null, models: [], error: null });
  }

  get providers(): ReadonlyMap<string, LlmProvider> {
    return this._providers;
  }

  /**
   * Swaps in another set of providers and aliases (an admin changed them: llm/managed-llm.ts). A
   * provider that is the same object as before keeps its listing; the others are listed now (the
   * returned promise), and until then are taken at their word, as at start.
   */
  replace(
    providers: ReadonlyMap<string, LlmProvider>,
    aliases: Readonly<Record<string, LlmAliasConfig>>,
    staticModels: Record<string, string[]>,
  ): Promise<void> {
    const fresh: LlmProvider[] = [];
    for (const [name, p] of providers)
      if (this._providers.get(name) !== p) {
        this.listings.set(name, { at: null, models: [], error: null });
        fresh.push(p);
      }
    for (const name of this.listings.keys()) if (!providers.has(name)) this.listings.delete(name);
    this._providers = providers;
    this.aliases = aliases;
    this.options.staticModels = staticModels;
    return this.refresh(fresh);
  }

  /** Lists every provider (or those given) once more, in parallel; failures keep the previous list. */
  async refresh(which: Iterable<LlmProvider> = this._providers.values()): Promise<void> {
    await Promise.all(
      [...which].map(async (p) => {
        const listing = this.listings.get(p.name);
        if (!listing) return;
        const ms = this.options.listTimeoutMs ?? 10_000;
        const ctl = new AbortController();
        let timer: ReturnType<typeof setTimeout> | undefined;
        try {
          // Raced as well as aborted: a listing must not hang the refresh even if a provider ignores the signal.
          const timeout = new Promise<never>((_, reject) => {
            timer = setTimeout(() => {
              const err = new Error(`no model list within ${ms} ms`);
              ctl.abort(err);
              reject(err);
            }, ms);
          });
          const models = await Promise.race([p.listModels({ signal: ctl.signal }), timeout]);
          // Replaced while it listed: the new provider's listing counts, not this one.
          if (this._providers.get(p.name) !== p) return;
          listing.models = models;
          listing.at = (this.options.now ?? Date.now)();
          listing.error = null;
        } catch (err) {
          if (this._providers.get(p.name) !== p) return;
          listing.error = (err as Error)?.message ?? String(err);
          this.options.onListError?.(p.name, err);
        } finally {
          clearTimeout(timer);
        }
      }),
    );
  }

  /** Starts listing (not awaited: readiness does not wait on a provider) and refreshing every `intervalMs`. */
  start(intervalMs: number): Promise<void> {
    const first = this.refresh();
    if (intervalMs > 0) {
      this.timer = setInterval(() => void this.refresh(), intervalMs);
      this.timer.unref();
    }
    return first;
  }

  close(): void {
    clearInterval(this.timer);
  }

  status(): ProviderStatus[] {
    return [...this._providers.values()].map((p) => {
      const l = this.listings.get(p.name)!;
      return { name: p.name, kind: p.kind, listedAt: l.at, models: l.models.length, error: l.error };
    });
  }

  /** Every model and alias on offer, aliases first, then by id. */
  list(): CatalogModel[] {
    const out: CatalogModel[] = Object.entries(this.aliases).map(([id, a]) => ({
      id,
      created: this.started,
      ownedBy: 'modelgarden',
      deployments: a.deployments.map((d) => d.model),
    }));
    for (const [name, listing] of this.listings) {
      const seen = new Set<string>();
      for (const m of listing.models) {
        seen.add(m.id);
        out.push({
          id: `${name}/${m.id}`,
          created: m.created ?? this.started,
          ownedBy: m.ownedBy ?? name,
          ...(m.kind ? { kind: m.kind } : {}),
        });
      }
      for (const id of this.options.staticModels?.[name] ?? [])
        if (!seen.has(id)) out.push({ id: `${name}/${id}`, created: this.started, ownedBy: name });
    }
    return out;
  }

  get(id: string): CatalogModel | undefined {
    if (this.aliases[id]) return this.list().find((m) => m.id === id);
    const ref = splitRef(id);
    if (!ref || !this.known(ref.provider, ref.model)) return undefined;
    const m = this.listings.get(ref.provider)!.models.find((x) => x.id === ref.model);
    return {
      id,
      created: m?.created ?? this.started,
      ownedBy: m?.ownedBy ?? ref.provider,
      ...(m?.kind ? { kind: m.kind } : {}),
    };
  }

  /**
   * Whether `<provider>/<model>` is on offer. A provider whose listing never succeeded is taken at
   * its word: the request goes through and the upstream's own 404 answers.
   */
  private known(provider: string, model: string): boolean {
    const listing = this.listings.get(provider);
    if (!listing) return false;
    if (listing.at === null) return true;
    return (
      listing.models.some((m) => m.id === model) ||
      (this.options.staticModels?.[provider] ?? []).includes(model)
    );
  }

  /** The route for a model name a caller sent; 404 MODEL_NOT_FOUND when nothing serves it. */
  resolve(name: string): Route {
    const alias = this.aliases[name];
    if (alias) {
      // A deployment whose provider was removed or disabled is skipped; the alias lives on the rest.
      const serving = (ref: string) => this._providers.has(splitRef(ref)?.provider ?? '');
      const deployments = alias.deployments.filter((d) => serving(d.model));
      const fallbacks = alias.fallbacks.filter(serving);
      if (deployments.length + fallbacks.length === 0) throw notFound(name);
      return {
        model: name,
        deployments: deployments.map((d) => this.deployment(d.model, d.weight)),
        fallbacks: fallbacks.map((f) => this.deployment(f, 1)),
      };
    }
    const ref = splitRef(name);
    if (!ref || !this.known(ref.provider, ref.model)) throw notFound(name);
    return { model: name, deployments: [this.deployment(name, 1)], fallbacks: [] };
  }

  private deployment(ref: string, weight: number): Deployment {
    const parts = splitRef(ref)!;
    const provider = this._providers.get(parts.provider);
    if (!provider) throw notFound(ref);
    return { ref, provider, model: parts.model, weight };
  }
}

export function notFound(model: string): ModelGardenError {
  return new ModelGardenError(
    'MODEL_NOT_FOUND',
    `The model \`${model.slice(0, 200)}\` does not exist or you do not have access to it.`,
    { details: { param: 'model' } },
  );
}

function splitRef(id: string): { provider: string; model: string } | undefined {
  const slash = id.indexOf('/');
  if (slash <= 0 || slash === id.length - 1) return undefined;
  return { provider: id.slice(0, slash), model: id.slice(slash + 1) };
}
