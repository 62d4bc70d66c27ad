/**
 * Route resolution, the registry's hot path: a selector (version, alias, default) → the version that
 * serves a request, from a TTL cache, with traffic splits picked by weight per request.
 *
 * Re-reading a route is also how this process learns of another process's serving-config change
 * (replicas over one database): when a re-read version's stored config differs from the one last
 * seen (or is seen for the first time), `onServingConfig` is told, and serving reconfigures the
 * loaded version if its engine runs another config.
 */
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { modelVersions } from '../db/schema.js';
import { ModelGardenError } from '../errors/model-garden-error.js';
import { pickWeighted } from './alias-route.js';
import { readAlias, routeOfRow } from './alias-store.js';
import { assertAliasName, DEFAULT_ALIAS } from './names.js';
import { ResolveCache } from './resolve-cache.js';
import { servingConfigKey } from './serving-config-key.js';
import type { ModelVersion } from './types.js';
import type { VersionReader } from './version-reader.js';

/** Selects a version: an explicit number, else an alias, else `production`, else the latest. */
export interface VersionSelector {
  version?: number | undefined;
  alias?: string | undefined;
}

/** A resolved request: the version that serves it and, when the alias has one, the shadow. */
export interface Resolution {
  version: ModelVersion;
  alias: string | null;
  shadow: { version: ModelVersion; percent: number } | null;
}

interface ResolvedRoute {
  alias: string | null;
  targets: Array<{ version: ModelVersion; weight: number }>;
  shadow: { version: ModelVersion; percent: number } | null;
}

function routeKey(name: string, selector: VersionSelector): string {
  return selector.version !== undefined ? `${name}@${selector.version}` : `${name}#${selector.alias ?? ''}`;
}

export interface RouteResolverOptions {
  ttlMs: number;
  random: () => number;
  /** A re-read version's stored serving config differs from the one this process last saw. */
  onServingConfig: (version: ModelVersion) => void;
}

export class RouteResolver {
  private readonly cache: ResolveCache<ResolvedRoute>;
  /** `model@version` → the serving config last read for it (what the loaded engine was given). */
  private readonly seenConfigs = new Map<string, string>();

  constructor(
    private readonly db: Db,
    private readonly reads: VersionReader,
    private readonly options: RouteResolverOptions,
  ) {
    this.cache = new ResolveCache(options.ttlMs);
  }

  clear(): void {
    this.cache.clear();
  }

  /** Records a config this process set itself, so re-reading it is not taken for a remote change. */
  noteConfig(version: ModelVersion): void {
    this.seenConfigs.set(`${version.model}@${version.version}`, servingConfigKey(version.servingConfig));
  }

  async route(name: string, selector: VersionSelector = {}): Promise<Resolution> {
    if (selector.alias !== undefined) assertAliasName(selector.alias);
    const resolved = await this.cache.get(routeKey(name, selector), () => this.load(name, selector));
    return this.pick(resolved);
  }

  resolveCached(name: string, selector: VersionSelector = {}): ModelVersion | undefined {
    if (selector.alias !== undefined) assertAliasName(selector.alias);
    const resolved = this.cache.peek(routeKey(name, selector));
    return resolved === undefined ? undefined : this.pick(resolved).version;
  }

  cachedShadow(name: string, selector: VersionSelector = {}): Resolution['shadow'] | undefined {
    return this.cache.peek(routeKey(name, selector))?.shadow;
  }

  private pick(resolved: ResolvedRoute): Resolution {
    const ready = resolved.targets.filter((t) => t.version.status === 'ready');
    const chosen = pickWeighted(ready.length > 0 ? ready : resolved.targets, this.options.random);
    return { version: chosen.version, alias: resolved.alias, shadow: resolved.shadow };
  }

  private async load(name: string, selector: VersionSelector): Promise<ResolvedRoute> {
    const route = await this.loadRoute(name, selector);
    for (const t of route.targets) this.checkConfig(t.version);
    if (route.shadow) this.checkConfig(route.shadow.version);
    return route;
  }

  private checkConfig(version: ModelVersion): void {
    const key = `${version.model}@${version.version}`;
    const seen = this.seenConfigs.get(key);
    const now = servingConfigKey(version.servingConfig);
    this.seenConfigs.set(key, now);
    // First sight counts too: a version loaded before this process first resolved it may have been
    // loaded with an older config. The listener compares with what the engine runs.
    if (seen !== now) this.options.onServingConfig(version);
  }

  private async loadRoute(name: string, selector: VersionSelector): Promise<ResolvedRoute> {
    const serveable = async (version: number) => {
      const v = await this.reads.getVersion(name, version);
      if (v.archived) {
        throw new ModelGardenError('VERSION_ARCHIVED', `Model "${name}" version ${version} is archived`, {
          details: { model: name, version },
        });
      }
      return v;
    };
    if (selector.version !== undefined) {
      return {
        alias: null,
        targets: [{ version: await serveable(selector.version), weight: 1 }],
        shadow: null,
      };
    }
    const model = await this.reads.findModel(name);
    const alias = selector.alias ?? DEFAULT_ALIAS;
    const row = await readAlias(this.db, model.id, alias);
    if (row) {
      const route = routeOfRow(row);
      const targets = await Promise.all(
        route.targets.map(async (t) => ({ version: await serveable(t.version), weight: t.weight })),
      );
      const shadow = route.shadow
        ? { version: await this.reads.getVersion(name, route.shadow.version), percent: route.shadow.percent }
        : null;
      return { alias, targets, shadow };
    }
    if (selector.alias !== undefined) {
      throw new ModelGardenError('ALIAS_NOT_FOUND', `Model "${name}" has no alias "${alias}"`, {
        details: { model: name, alias },
      });
    }
    const [latest] = await this.db
      .select({ version: modelVersions.version })
      .from(modelVersions)
      .where(and(eq(modelVersions.modelId, model.id), isNull(modelVersions.archivedAt)))
      .orderBy(desc(modelVersions.version))
      .limit(1);
    if (!latest) throw new ModelGardenError('VERSION_NOT_FOUND', `Model "${name}" has no versions yet`);
    return {
      alias: null,
      targets: [{ version: await this.reads.getVersion(name, latest.version), weight: 1 }],
      shadow: null,
    };
  }
}
