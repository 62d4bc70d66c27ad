/**
 * A version's serving config as the API shows it (stored, in effect, loaded) and its change: the
 * registry stores it (a registry change with an event, which other processes pick up when they
 * re-read the version: hot-swap.ts), then this process's engine switches to it.
 */
import type { z } from 'zod';
import type { servingConfigViewSchema } from '../contract/serving-config-schemas.js';
import type { RegistryService } from '../registry/registry-service.js';
import type { ModelVersion, ServingConfig } from '../registry/types.js';
import type { ModelManager } from './model-manager.js';

/** A version's serving config as the API shows it: stored, in effect, tuning, loaded (the contract's schema). */
export type ServingConfigView = z.infer<typeof servingConfigViewSchema>;

export class ServingConfigStore {
  constructor(
    private readonly registry: RegistryService,
    private readonly models: ModelManager,
  ) {}

  async get(name: string, version: number): Promise<ServingConfigView> {
    return this.view(await this.registry.getVersion(name, version));
  }

  /** Replaces the stored config; a loaded version switches to it without dropping a request. */
  async set(name: string, version: number, config: ServingConfig): Promise<ServingConfigView> {
    const updated = await this.registry.setServingConfig(name, version, config);
    await this.models.reconfigure(updated);
    return this.view(updated);
  }

  private view(version: ModelVersion): ServingConfigView {
    return {
      model: version.model,
      version: version.version,
      servingConfig: this.models.storedConfig(version),
      effective: this.models.effectiveConfig(version),
      tuning: this.models.tuning(version),
      loaded: this.models.isLoaded(version.model, version.version),
    };
  }
}
