/**
 * Archiving and deleting versions. Both are refused while an alias sends traffic to the version
 * (split targets and shadows count); deleting removes the artifact once no version uses its bytes.
 */
import { count, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { aliases, modelVersions } from '../db/schema.js';
import { ModelGardenError } from '../errors/model-garden-error.js';
import { routeVersions } from './alias-route.js';
import { type Queryable, routeOfRow } from './alias-store.js';
import type { ArtifactStore } from './artifact-store.js';
import type { RegistryChange } from './changes.js';
import { lockArtifact, lockModel } from './locks.js';
import type { ModelVersion } from './types.js';
import type { VersionReader } from './version-reader.js';

export class VersionLifecycle {
  constructor(
    private readonly db: Db,
    private readonly store: ArtifactStore,
    private readonly reads: VersionReader,
    private readonly emit: (change: RegistryChange) => void,
  ) {}

  /** Throws VERSION_IN_USE when an alias of the model refers to the version. */
  private async assertUnused(tx: Queryable, modelId: number, name: string, version: number, action: string) {
    const rows = await tx.select().from(aliases).where(eq(aliases.modelId, modelId));
    const users = rows.filter((r) => routeVersions(routeOfRow(r)).includes(version)).map((r) => r.alias);
    if (users.length > 0) {
      throw new ModelGardenError(
        'VERSION_IN_USE',
        `Cannot ${action} model "${name}" version ${version}: alias ${users.map((a) => `"${a}"`).join(', ')} points at it`,
        { details: { model: name, version, aliases: users } },
      );
    }
  }

  private async setArchived(name: string, version: number, archived: boolean): Promise<ModelVersion> {
    const status = await this.db.transaction(async (tx) => {
      const model = await lockModel(tx, name);
      const row = await this.reads.versionRow(model.id, name, version, tx);
      if (archived) await this.assertUnused(tx, model.id, name, version, 'archive');
      await tx
        .update(modelVersions)
        .set({ archivedAt: archived ? sql`now()` : null })
        .where(eq(modelVersions.id, row.id));
      return row.status as ModelVersion['status'];
    });
    this.emit({ kind: 'version', model: name, version, status: archived ? 'archived' : status });
    return this.reads.getVersion(name, version);
  }

  archive(name: string, version: number): Promise<ModelVersion> {
    return this.setArchived(name, version, true);
  }

  restore(name: string, version: number): Promise<ModelVersion> {
    return this.setArchived(name, version, false);
  }

  /**
   * Deletes the row, then the artifact if no row uses it, inside one transaction holding the
   * artifact lock, so a concurrent push of the same bytes either sees the file or waits.
   */
  async remove(name: string, version: number): Promise<{ artifactRemoved: boolean }> {
    const model = await this.reads.findModel(name);
    const { sha256 } = await this.reads.versionRow(model.id, name, version);
    const artifactRemoved = await this.db.transaction(async (tx) => {
      await lockArtifact(tx, sha256);
      const locked = await lockModel(tx, name);
      const row = await this.reads.versionRow(locked.id, name, version, tx);
      await this.assertUnused(tx, locked.id, name, version, 'delete');
      await tx.delete(modelVersions).where(eq(modelVersions.id, row.id));
      const [left] = await tx
        .select({ n: count() })
        .from(modelVersions)
        .where(eq(modelVersions.sha256, sha256));
      if ((left?.n ?? 0) > 0) return false;
      await this.store.remove(sha256);
      return true;
    });
    this.emit({ kind: 'version', model: name, version, status: 'deleted' });
    return { artifactRemoved };
  }
}
