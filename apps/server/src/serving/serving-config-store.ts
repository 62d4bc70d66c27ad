/**
 * Stores a version's serving config (the `serving_config` column) and applies it to the running
 * engine. The registry has no method for this column yet, so serving writes it here; it is the only
 * column serving ever writes.
 */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { models, modelVersions } from '../db/schema.js';
import type { RegistryService } from '../registry/registry-service.js';
import type { ModelVersion, ServingConfig } from '../registry/types.js';
import type { ModelManager } from './model-manager.js';
import type { EffectiveServingConfig } from './serving-config.js';

export interface ServingConfigView {
  model: string;
  version: number;
  /** What is stored for the version (unset fields take the engine's defaults). */
  servingConfig: ServingConfig;
  /** The settings the engine uses. */
  effective: EffectiveServingConfig;
  loaded: boolean;
}

export class ServingConfigStore {
  constructor(
    private readonly db: Db,
    private readonly registry: RegistryService,
    private readonly models: ModelManager,
  ) {}

  async get(name: string, version: number): Promise<ServingConfigView> {
    return this.view(await this.registry.getVersion(name, version));
  }

  /** Replaces the stored config; a loaded version switches to it without dropping a request. */
  async set(name: string, version: number, config: ServingConfig): Promise<ServingConfigView> {
    const current = await this.registry.getVersion(name, version);
    const [model] = await this.db
      .select({ id: models.id })
      .from(models)
      .where(eq(models.name, name))
      .limit(1);
    await this.db
      .update(modelVersions)
      .set({ servingConfig: config })
      .where(and(eq(modelVersions.modelId, model!.id), eq(modelVersions.version, version)));
    // Cached resolutions carry the version's row, config included: a later load must see this one.
    this.registry.invalidate();
    const updated = { ...current, servingConfig: config };
    await this.models.reconfigure(updated);
    return this.view(updated);
  }

  private view(version: ModelVersion): ServingConfigView {
    return {
      model: version.model,
      version: version.version,
      servingConfig: this.models.storedConfig(version),
      effective: this.models.effectiveConfig(version),
      loaded: this.models.isLoaded(version.model, version.version),
    };
  }
}
