/**
 * Reads of models and versions by name, shared by the registry's parts (alias moves, the version
 * lifecycle, route resolution) so none of them needs the whole RegistryService.
 */
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { aliases, models, modelVersions } from '../db/schema.js';
import { ModelGardenError } from '../errors/model-garden-error.js';
import { type Queryable, routeOfRow } from './alias-store.js';
import type { ModelRow } from './locks.js';
import { assertModelName } from './names.js';
import type { ModelVersion } from './types.js';
import { toVersion, type VersionRow } from './version-row.js';

export class VersionReader {
  constructor(private readonly db: Db) {}

  /** The model's row; MODEL_NOT_FOUND when there is none. */
  async findModel(name: string): Promise<ModelRow> {
    assertModelName(name);
    const [row] = await this.db.select().from(models).where(eq(models.name, name)).limit(1);
    if (!row)
      throw new ModelGardenError('MODEL_NOT_FOUND', `Model "${name}" not found`, {
        details: { model: name },
      });
    return row;
  }

  /** Version number → the aliases whose targets include it. */
  async aliasMap(modelId: number): Promise<Map<number, string[]>> {
    const rows = await this.db
      .select()
      .from(aliases)
      .where(eq(aliases.modelId, modelId))
      .orderBy(asc(aliases.alias));
    const byVersion = new Map<number, string[]>();
    for (const r of rows) {
      for (const t of routeOfRow(r).targets)
        byVersion.set(t.version, [...(byVersion.get(t.version) ?? []), r.alias]);
    }
    return byVersion;
  }

  /** The raw row (with its sha256); VERSION_NOT_FOUND when there is none. */
  async versionRow(
    modelId: number,
    name: string,
    version: number,
    db: Queryable = this.db,
  ): Promise<VersionRow> {
    const [row] = await db
      .select()
      .from(modelVersions)
      .where(and(eq(modelVersions.modelId, modelId), eq(modelVersions.version, version)))
      .limit(1);
    if (!row) {
      throw new ModelGardenError('VERSION_NOT_FOUND', `Model "${name}" has no version ${version}`, {
        details: { model: name, version },
      });
    }
    return row;
  }

  async getVersion(name: string, version: number): Promise<ModelVersion> {
    const model = await this.findModel(name);
    const row = await this.versionRow(model.id, name, version);
    const byVersion = await this.aliasMap(model.id);
    return toVersion(model.name, row, byVersion.get(row.version) ?? []);
  }
}
