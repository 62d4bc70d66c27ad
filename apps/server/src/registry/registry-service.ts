/**
 * The model registry: models, their immutable versions and the aliases that point at them.
 * Pure domain code over Drizzle; no HTTP.
 */
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { aliases, models, modelVersions } from '../db/schema.js';
import { ModelGardenError } from '../errors/model-garden-error.js';
import type { ArtifactStore, StagedArtifact } from './artifact-store.js';
import { assertAliasName, assertModelName } from './names.js';
import type {
  ImagePreprocessing,
  ModelDetail,
  ModelSummary,
  ModelVersion,
  Task,
  TensorSpec,
  VersionStatus,
} from './types.js';

type VersionRow = typeof modelVersions.$inferSelect;
type ModelRow = typeof models.$inferSelect;

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
}

/** Selects a version: an explicit number, else an alias, else `production`, else the latest. */
export interface VersionSelector {
  version?: number | undefined;
  alias?: string | undefined;
}

export const DEFAULT_ALIAS = 'production';

/** What changed in the registry; serving listens to reload, swap and unload. */
export type RegistryChange =
  | { kind: 'alias'; model: string; alias: string; version: number | null }
  | { kind: 'version'; model: string; version: number; status: VersionStatus };

export type RegistryListener = (change: RegistryChange) => void;

function toVersion(model: string, row: VersionRow, aliasNames: string[]): ModelVersion {
  return {
    model,
    version: row.version,
    sha256: row.sha256,
    sizeBytes: row.sizeBytes,
    framework: 'onnx',
    task: row.task as Task,
    status: row.status as VersionStatus,
    statusReason: row.statusReason,
    description: row.description,
    labels: row.labels ?? null,
    featureNames: row.featureNames ?? null,
    inputs: row.inputs,
    outputs: row.outputs,
    preprocessing: row.preprocessing ?? null,
    metrics: row.metrics,
    tags: row.tags,
    servingConfig: row.servingConfig,
    aliases: aliasNames,
    createdAt: row.createdAt.toISOString(),
  };
}

export class RegistryService {
  private readonly listeners = new Set<RegistryListener>();

  /** Subscribes to changes made through this registry instance; returns the unsubscribe function. */
  onChange(listener: RegistryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: RegistryChange): void {
    for (const listener of this.listeners) listener(change);
  }

  constructor(
    private readonly db: Db,
    private readonly store: ArtifactStore,
  ) {}

  private async findModel(name: string): Promise<ModelRow> {
    assertModelName(name);
    const [row] = await this.db.select().from(models).where(eq(models.name, name)).limit(1);
    if (!row)
      throw new ModelGardenError('MODEL_NOT_FOUND', `Model "${name}" not found`, {
        details: { model: name },
      });
    return row;
  }

  private async aliasMap(modelId: number): Promise<Map<number, string[]>> {
    const rows = await this.db
      .select()
      .from(aliases)
      .where(eq(aliases.modelId, modelId))
      .orderBy(asc(aliases.alias));
    const byVersion = new Map<number, string[]>();
    for (const r of rows) byVersion.set(r.version, [...(byVersion.get(r.version) ?? []), r.alias]);
    return byVersion;
  }

  async listModels(): Promise<ModelSummary[]> {
    const modelRows = await this.db.select().from(models).orderBy(asc(models.name));
    const stats = await this.db
      .select({
        modelId: modelVersions.modelId,
        latest: sql<number>`max(${modelVersions.version})`.mapWith(Number),
        count: sql<number>`count(*)`.mapWith(Number),
      })
      .from(modelVersions)
      .groupBy(modelVersions.modelId);
    const aliasRows = await this.db.select().from(aliases);
    const latestTask = await this.db
      .selectDistinctOn([modelVersions.modelId], { modelId: modelVersions.modelId, task: modelVersions.task })
      .from(modelVersions)
      .orderBy(modelVersions.modelId, desc(modelVersions.version));
    return modelRows.map((m) => {
      const s = stats.find((x) => x.modelId === m.id);
      const aliasEntries = aliasRows
        .filter((a) => a.modelId === m.id)
        .map((a) => [a.alias, a.version] as const);
      return {
        name: m.name,
        description: m.description,
        task: (latestTask.find((t) => t.modelId === m.id)?.task as Task | undefined) ?? null,
        latestVersion: s?.latest ?? null,
        versionCount: s?.count ?? 0,
        aliases: Object.fromEntries(aliasEntries),
        createdAt: m.createdAt.toISOString(),
        updatedAt: m.updatedAt.toISOString(),
      };
    });
  }

  async getModel(name: string): Promise<ModelDetail> {
    const model = await this.findModel(name);
    const rows = await this.db
      .select()
      .from(modelVersions)
      .where(eq(modelVersions.modelId, model.id))
      .orderBy(desc(modelVersions.version));
    const byVersion = await this.aliasMap(model.id);
    const versions = rows.map((r) => toVersion(model.name, r, byVersion.get(r.version) ?? []));
    const aliasRecord: Record<string, number> = {};
    for (const [version, names] of byVersion) for (const n of names) aliasRecord[n] = version;
    return {
      name: model.name,
      description: model.description,
      task: versions[0]?.task ?? null,
      latestVersion: versions[0]?.version ?? null,
      versionCount: versions.length,
      aliases: aliasRecord,
      createdAt: model.createdAt.toISOString(),
      updatedAt: model.updatedAt.toISOString(),
      versions,
    };
  }

  async getVersion(name: string, version: number): Promise<ModelVersion> {
    const model = await this.findModel(name);
    const [row] = await this.db
      .select()
      .from(modelVersions)
      .where(and(eq(modelVersions.modelId, model.id), eq(modelVersions.version, version)))
      .limit(1);
    if (!row) {
      throw new ModelGardenError('VERSION_NOT_FOUND', `Model "${name}" has no version ${version}`, {
        details: { model: name, version },
      });
    }
    const byVersion = await this.aliasMap(model.id);
    return toVersion(model.name, row, byVersion.get(row.version) ?? []);
  }

  /** Resolves a selector to a concrete version number. */
  async resolve(name: string, selector: VersionSelector = {}): Promise<ModelVersion> {
    if (selector.version !== undefined) return this.getVersion(name, selector.version);
    const model = await this.findModel(name);
    const alias = selector.alias ?? DEFAULT_ALIAS;
    if (selector.alias !== undefined) assertAliasName(alias);
    const [aliasRow] = await this.db
      .select()
      .from(aliases)
      .where(and(eq(aliases.modelId, model.id), eq(aliases.alias, alias)))
      .limit(1);
    if (aliasRow) return this.getVersion(name, aliasRow.version);
    if (selector.alias !== undefined) {
      throw new ModelGardenError('ALIAS_NOT_FOUND', `Model "${name}" has no alias "${alias}"`, {
        details: { model: name, alias },
      });
    }
    const [latest] = await this.db
      .select({ version: modelVersions.version })
      .from(modelVersions)
      .where(eq(modelVersions.modelId, model.id))
      .orderBy(desc(modelVersions.version))
      .limit(1);
    if (!latest) throw new ModelGardenError('VERSION_NOT_FOUND', `Model "${name}" has no versions yet`);
    return this.getVersion(name, latest.version);
  }

  /**
   * Stores a new version: the artifact is committed to the store first (atomic rename), then the
   * rows are written in one transaction that locks the model row, so concurrent pushes get
   * consecutive version numbers.
   */
  async createVersion(name: string, input: NewVersion): Promise<ModelVersion> {
    assertModelName(name);
    await this.store.commit(input.staged);
    const row = await this.db.transaction(async (tx) => {
      await tx
        .insert(models)
        .values({ name, description: input.description })
        .onConflictDoUpdate({ target: models.name, set: { updatedAt: sql`now()` } });
      const [model] = await tx.select().from(models).where(eq(models.name, name)).for('update');
      if (!model) throw new ModelGardenError('INTERNAL', `Model "${name}" vanished during the push`);
      const [max] = await tx
        .select({ v: sql<number | null>`max(${modelVersions.version})`.mapWith(Number) })
        .from(modelVersions)
        .where(eq(modelVersions.modelId, model.id));
      const next = (max?.v ?? 0) + 1;
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

  /** Points an alias at a version (created or moved in one statement). */
  async setAlias(
    name: string,
    alias: string,
    version: number,
  ): Promise<{ model: string; alias: string; version: number }> {
    assertAliasName(alias);
    const target = await this.getVersion(name, version);
    const model = await this.findModel(name);
    await this.db
      .insert(aliases)
      .values({ modelId: model.id, alias, version: target.version })
      .onConflictDoUpdate({
        target: [aliases.modelId, aliases.alias],
        set: { version: target.version, updatedAt: sql`now()` },
      });
    await this.db.update(models).set({ updatedAt: sql`now()` }).where(eq(models.id, model.id));
    this.emit({ kind: 'alias', model: name, alias, version: target.version });
    return { model: name, alias, version: target.version };
  }

  /** Every (model, version) that an alias named `alias` points at. */
  async aliasTargets(alias: string): Promise<Array<{ model: string; version: number }>> {
    return this.db
      .select({ model: models.name, version: aliases.version })
      .from(aliases)
      .innerJoin(models, eq(models.id, aliases.modelId))
      .where(eq(aliases.alias, alias));
  }

  /** The highest-numbered version of a model, or null when the model does not exist or has none. */
  async latestVersion(name: string): Promise<ModelVersion | null> {
    if (!(await this.modelExists(name))) return null;
    const detail = await this.getModel(name);
    return detail.versions[0] ?? null;
  }

  async modelExists(name: string): Promise<boolean> {
    const [row] = await this.db.select({ id: models.id }).from(models).where(eq(models.name, name)).limit(1);
    return row !== undefined;
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
