/**
 * The model registry: models, their immutable versions and the aliases that point at them.
 * Pure domain code over Drizzle; no HTTP. Alias moves live in alias-service.ts, listing in
 * model-queries.ts; this class is the one entry point the rest of the server uses.
 */
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { aliases, models, modelVersions } from '../db/schema.js';
import type { AliasRouteInput } from './alias-route.js';
import { type AliasMoveOptions, AliasService, type PrepareTargets } from './alias-service.js';
import { aliasInfo, type Queryable, readAlias, routeOfRow } from './alias-store.js';
import type { ArtifactStore, StagedArtifact } from './artifact-store.js';
import { ChangeFeed, type RegistryChange, type RegistryListener } from './changes.js';
import { lockArtifact, lockModel, type ModelRow } from './locks.js';
import { type ModelAccess, ModelAccessStore, modelNameTaken } from './model-access.js';
import { listModels, modelExists } from './model-queries.js';
import { assertModelName } from './names.js';
import { type Resolution, RouteResolver, type VersionSelector } from './route-resolver.js';
import type {
  AliasHistoryEntry,
  AliasInfo,
  ImagePreprocessing,
  ModelDetail,
  ModelPage,
  ModelQuery,
  ModelVersion,
  SchemaChange,
  ServingConfig,
  Task,
  TensorSpec,
} from './types.js';
import { VersionLifecycle } from './version-lifecycle.js';
import { applyMetadataPatch, type VersionMetadataPatch } from './version-metadata-patch.js';
import { VersionReader } from './version-reader.js';
import { toVersion, type VersionRow } from './version-row.js';

export type { RegistryChange, RegistryListener } from './changes.js';
export { lockArtifact, lockModel } from './locks.js';
export { DEFAULT_ALIAS } from './names.js';
export type { Resolution, VersionSelector } from './route-resolver.js';

export interface NewVersion {
  staged: StagedArtifact;
  task: Task;
  description: string | null;
  labels: string[] | null;
  featureNames: string[] | null;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  preprocessing: ImagePreprocessing | null;
  metrics: Record<string, number>;
  tags: Record<string, string>;
  schemaChange?: SchemaChange | null;
}

export interface RegistryOptions {
  /**
   * How long a resolution (and a model's visibility) is reused before the database is asked again:
   * how long another replica's change may take to be seen. Changes made through this process clear
   * the caches at once. Default 1 s; the composition root passes longer for an embedded database,
   * which no other process can change.
   */
  cacheTtlMs?: number;
  /** Randomness for traffic splits (tests pass a seeded one). */
  random?: () => number;
}

export class RegistryService {
  private readonly feed = new ChangeFeed();
  private readonly reads: VersionReader;
  private readonly routes: RouteResolver;
  private readonly aliasOps: AliasService;
  private readonly lifecycle: VersionLifecycle;
  /** Team visibility of models, cached for the per-request checks. */
  readonly access: ModelAccessStore;

  constructor(
    private readonly db: Db,
    private readonly store: ArtifactStore,
    options: RegistryOptions = {},
  ) {
    const ttlMs = options.cacheTtlMs ?? 1000;
    this.reads = new VersionReader(db);
    this.routes = new RouteResolver(db, this.reads, {
      ttlMs,
      random: options.random ?? Math.random,
      onServingConfig: (row) =>
        this.feed.emit({
          kind: 'serving-config',
          model: row.model,
          version: row.version,
          servingConfig: row.servingConfig,
          row,
          origin: 'database',
        }),
    });
    this.aliasOps = new AliasService(db, this.reads, (c) => this.emit(c));
    this.lifecycle = new VersionLifecycle(db, store, this.reads, (c) => this.emit(c));
    this.access = new ModelAccessStore(db, ttlMs, (model, access) =>
      this.emit({ kind: 'access', model, access }),
    );
  }

  /** Subscribes to changes made through this registry instance; returns the unsubscribe function. */
  onChange(listener: RegistryListener): () => void {
    return this.feed.subscribe(listener);
  }

  /**
   * Drops cached resolutions and visibilities, for a change to what they hold made outside the
   * registry's own methods. The registry's changes call it themselves.
   */
  invalidate(): void {
    this.routes.clear();
    this.access.clear();
  }

  private emit(change: RegistryChange): void {
    this.invalidate();
    this.feed.emit(change);
  }

  /**
   * Sets what must happen before an alias moves to new versions (serving loads and warms them), so a
   * moved alias never sends requests to a cold or broken version.
   */
  prepareTargetsWith(prepare: PrepareTargets): void {
    this.aliasOps.prepare = prepare;
  }

  /** The model's row; MODEL_NOT_FOUND when there is none. */
  findModel(name: string): Promise<ModelRow> {
    return this.reads.findModel(name);
  }

  listModels(query: ModelQuery = {}): Promise<ModelPage> {
    return listModels(this.db, query);
  }

  /**
   * Registers an empty model (versions come with pushes) with its access, in one insert: a model
   * meant to be team-private is never public in between. MODEL_EXISTS when the name is taken.
   */
  async createModel(
    name: string,
    input: {
      description?: string | null | undefined;
      tags?: Record<string, string> | undefined;
      access?: ModelAccess | undefined;
    },
  ): Promise<ModelDetail> {
    assertModelName(name);
    const inserted = await this.db
      .insert(models)
      .values({
        name,
        description: input.description ?? null,
        tags: input.tags ?? {},
        ...(input.access ? { visibility: input.access.visibility, team: input.access.team } : {}),
      })
      .onConflictDoNothing()
      .returning();
    if (inserted.length === 0) throw modelNameTaken(name);
    // The access cache may hold "no such model" for this name.
    this.invalidate();
    return this.getModel(name);
  }

  /** Edits a model's description and tags (tags are replaced as a whole). */
  async updateModel(
    name: string,
    patch: { description?: string | null | undefined; tags?: Record<string, string> | undefined },
  ): Promise<ModelDetail> {
    const model = await this.findModel(name);
    const set: Partial<typeof models.$inferInsert> = {};
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.tags !== undefined) set.tags = patch.tags;
    await this.db
      .update(models)
      .set({ ...set, updatedAt: sql`now()` })
      .where(eq(models.id, model.id));
    this.invalidate();
    return this.getModel(name);
  }

  async getModel(name: string): Promise<ModelDetail> {
    const model = await this.findModel(name);
    const rows = await this.db
      .select()
      .from(modelVersions)
      .where(eq(modelVersions.modelId, model.id))
      .orderBy(desc(modelVersions.version));
    const aliasRows = await this.db
      .select()
      .from(aliases)
      .where(eq(aliases.modelId, model.id))
      .orderBy(asc(aliases.alias));
    const byVersion = await this.reads.aliasMap(model.id);
    const versions = rows.map((r) => toVersion(model.name, r, byVersion.get(r.version) ?? []));
    return {
      name: model.name,
      description: model.description,
      visibility: model.visibility as ModelDetail['visibility'],
      team: model.team,
      tags: model.tags,
      task: versions[0]?.task ?? null,
      latestVersion: versions[0]?.version ?? null,
      versionCount: versions.length,
      aliases: Object.fromEntries(aliasRows.map((a) => [a.alias, a.version])),
      createdAt: model.createdAt.toISOString(),
      updatedAt: model.updatedAt.toISOString(),
      versions,
      routes: aliasRows.map((a) => aliasInfo(model.name, a)),
    };
  }

  /** @internal the raw row (with its sha256) */
  versionRow(modelId: number, name: string, version: number, db?: Queryable): Promise<VersionRow> {
    return this.reads.versionRow(modelId, name, version, db);
  }

  getVersion(name: string, version: number): Promise<ModelVersion> {
    return this.reads.getVersion(name, version);
  }

  /** Edits a version's metadata (the artifact and its schema never change); checked against the schema. */
  async updateVersion(name: string, version: number, patch: VersionMetadataPatch): Promise<ModelVersion> {
    const current = await this.getVersion(name, version);
    const next = applyMetadataPatch(current, patch);
    const model = await this.findModel(name);
    await this.db
      .update(modelVersions)
      .set(next)
      .where(and(eq(modelVersions.modelId, model.id), eq(modelVersions.version, version)));
    this.emit({ kind: 'version', model: name, version, status: current.status });
    return this.getVersion(name, version);
  }

  /**
   * Replaces a version's serving config (a registry change like any other): the caches are cleared
   * and listeners told (`origin: 'this-process'`; the caller applies it to this process's engine).
   * Other processes see it when they next re-read the version (route-resolver.ts).
   */
  async setServingConfig(name: string, version: number, config: ServingConfig): Promise<ModelVersion> {
    const model = await this.findModel(name);
    await this.versionRow(model.id, name, version);
    await this.db
      .update(modelVersions)
      .set({ servingConfig: config })
      .where(and(eq(modelVersions.modelId, model.id), eq(modelVersions.version, version)));
    const row = await this.getVersion(name, version);
    this.routes.noteConfig(row);
    this.emit({
      kind: 'serving-config',
      model: name,
      version,
      servingConfig: config,
      row,
      origin: 'this-process',
    });
    return row;
  }

  /**
   * Resolves a selector to the version that serves this request: cached (the hot path), with a
   * traffic split picked by weight, and the alias's shadow when it has one.
   */
  route(name: string, selector: VersionSelector = {}): Promise<Resolution> {
    return this.routes.route(name, selector);
  }

  /**
   * The version a request for this selector is served by, from the cache and without waiting:
   * undefined when the route is not cached (ask resolve()). Prediction handlers try this first; an
   * await per request costs a promise and a microtask (docs/performance.md).
   */
  resolveCached(name: string, selector: VersionSelector = {}): ModelVersion | undefined {
    return this.routes.resolveCached(name, selector);
  }

  /**
   * The shadow of the route a request for this selector took, from the cache and without waiting:
   * null when the route has none, undefined when the route is not cached (ask route()).
   */
  cachedShadow(name: string, selector: VersionSelector = {}): Resolution['shadow'] | undefined {
    return this.routes.cachedShadow(name, selector);
  }

  /** The version that serves a request for this selector (see route()). */
  async resolve(name: string, selector: VersionSelector = {}): Promise<ModelVersion> {
    return (await this.routes.route(name, selector)).version;
  }

  /**
   * Stores a new version. Inside one transaction: the artifact lock (so a concurrent delete of the
   * same bytes cannot remove them), the atomic rename into the store, then the row, numbered under the
   * model's row lock so concurrent pushes get consecutive numbers. A crash before the commit leaves
   * at most an unreferenced file, which the start-up sweep deletes.
   */
  async createVersion(name: string, input: NewVersion): Promise<ModelVersion> {
    assertModelName(name);
    const row = await this.db.transaction(async (tx) => {
      await lockArtifact(tx, input.staged.sha256);
      await this.store.commit(input.staged);
      await tx
        .insert(models)
        .values({ name, description: input.description })
        .onConflictDoUpdate({ target: models.name, set: { updatedAt: sql`now()` } });
      const model = await lockModel(tx, name);
      const next = model.lastVersion + 1;
      await tx.update(models).set({ lastVersion: next }).where(eq(models.id, model.id));
      const [inserted] = await tx
        .insert(modelVersions)
        .values({
          modelId: model.id,
          version: next,
          sha256: input.staged.sha256,
          sizeBytes: input.staged.sizeBytes,
          framework: 'onnx',
          task: input.task,
          status: 'ready',
          description: input.description,
          labels: input.labels,
          featureNames: input.featureNames,
          inputs: input.inputs,
          outputs: input.outputs,
          preprocessing: input.preprocessing,
          metrics: input.metrics,
          tags: input.tags,
          schemaChange: input.schemaChange ?? null,
        })
        .returning();
      if (!model.description && input.description) {
        await tx.update(models).set({ description: input.description }).where(eq(models.id, model.id));
      }
      return inserted!;
    });
    this.emit({ kind: 'version', model: name, version: row.version, status: 'ready' });
    return toVersion(name, row, []);
  }

  /**
   * Points an alias at a version, or splits its traffic over several (and an optional shadow). The
   * targets are prepared (loaded, warmed) first; the row and its history entry change in one
   * transaction. A target whose inputs differ from the alias's current version needs `force`.
   */
  setAlias(
    name: string,
    alias: string,
    target: number | AliasRouteInput,
    options: AliasMoveOptions = {},
  ): Promise<AliasInfo> {
    return this.aliasOps.set(name, alias, typeof target === 'number' ? { version: target } : target, options);
  }

  /** Moves an alias back to where it pointed before its latest move. */
  rollbackAlias(name: string, alias: string, options: AliasMoveOptions = {}): Promise<AliasInfo> {
    return this.aliasOps.rollback(name, alias, options);
  }

  deleteAlias(name: string, alias: string, options: AliasMoveOptions = {}): Promise<void> {
    return this.aliasOps.remove(name, alias, options);
  }

  async listAliases(name: string): Promise<AliasInfo[]> {
    return (await this.getModel(name)).routes;
  }

  aliasHistory(name: string, alias: string, limit = 100): Promise<AliasHistoryEntry[]> {
    return this.aliasOps.history(name, alias, limit);
  }

  /** Archives a version: it stops serving, its artifact stays. Refused while an alias uses it. */
  archiveVersion(name: string, version: number): Promise<ModelVersion> {
    return this.lifecycle.archive(name, version);
  }

  restoreVersion(name: string, version: number): Promise<ModelVersion> {
    return this.lifecycle.restore(name, version);
  }

  /** Deletes a version (refused while an alias uses it) and its artifact when no other version shares it. */
  deleteVersion(name: string, version: number): Promise<{ artifactRemoved: boolean }> {
    return this.lifecycle.remove(name, version);
  }

  /** Every (model, version) that an alias named `alias` sends traffic to, split targets and shadows included. */
  async aliasTargets(alias: string): Promise<Array<{ model: string; version: number }>> {
    const rows = await this.db
      .select({ model: models.name, row: aliases })
      .from(aliases)
      .innerJoin(models, eq(models.id, aliases.modelId))
      .where(eq(aliases.alias, alias));
    return rows.flatMap(({ model, row }) => {
      const route = routeOfRow(row);
      const versions = [
        ...route.targets.map((t) => t.version),
        ...(route.shadow ? [route.shadow.version] : []),
      ];
      return versions.map((version) => ({ model, version }));
    });
  }

  /** The highest-numbered version of a model, or null when the model does not exist or has none. */
  async latestVersion(name: string): Promise<ModelVersion | null> {
    if (!(await this.modelExists(name))) return null;
    const detail = await this.getModel(name);
    return detail.versions[0] ?? null;
  }

  /** The version an alias's primary target is, or null when the model or alias does not exist. */
  async aliasVersion(name: string, alias: string): Promise<ModelVersion | null> {
    if (!(await this.modelExists(name))) return null;
    const model = await this.findModel(name);
    const row = await readAlias(this.db, model.id, alias);
    return row ? this.getVersion(name, row.version) : null;
  }

  modelExists(name: string): Promise<boolean> {
    return modelExists(this.db, name);
  }

  async markFailed(name: string, version: number, reason: string): Promise<void> {
    const model = await this.findModel(name);
    await this.db
      .update(modelVersions)
      .set({ status: 'failed', statusReason: reason.slice(0, 1000) })
      .where(and(eq(modelVersions.modelId, model.id), eq(modelVersions.version, version)));
    this.emit({ kind: 'version', model: name, version, status: 'failed' });
  }

  readArtifact(sha256: string): Promise<Uint8Array> {
    return this.store.read(sha256);
  }
}
