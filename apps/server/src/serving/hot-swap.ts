/**
 * Hot swap: listens to registry changes and retires versions no alias serves any more (after the
 * alias has moved, so new requests already go to the new version), and versions that stop serving
 * (failed, archived, deleted); a loaded version whose stored serving config another process changed
 * switches to it.
 */
import { DEFAULT_ALIAS, type RegistryChange, type RegistryService } from '../registry/registry-service.js';
import { sameServingConfig } from '../registry/serving-config-key.js';
import type { ModelVersion } from '../registry/types.js';
import type { ModelManager, ModelManagerLogger } from './model-manager.js';

export interface HotSwapOptions {
  /**
   * How long a replaced version stays loaded after its alias moved, for requests that resolved it
   * just before the move (they would otherwise load it again).
   */
  graceMs?: number;
}

export class HotSwap {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly unsubscribe: () => void;
  private readonly graceMs: number;

  constructor(
    private readonly registry: RegistryService,
    private readonly models: ModelManager,
    private readonly logger: ModelManagerLogger,
    options: HotSwapOptions = {},
  ) {
    this.graceMs = options.graceMs ?? 500;
    this.unsubscribe = registry.onChange((change) => this.onChange(change));
  }

  private onChange(change: RegistryChange): void {
    if (change.kind === 'serving-config') {
      // This process's own changes are applied by their caller (serving-config-store.ts).
      if (change.origin === 'database') this.applyStoredConfig(change.row);
      return;
    }
    if (change.kind === 'version') {
      if (change.status !== 'ready') void this.models.retire(change.model, change.version);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.retireUnserved(change.model).catch((err) =>
        this.logger.error({ model: change.model, err }, 'retiring replaced versions failed'),
      );
    }, this.graceMs);
    this.timers.add(timer);
  }

  /** Reconfigures a loaded version whose engine runs another config than the one stored. */
  private applyStoredConfig(row: ModelVersion): void {
    const loaded = this.models.peek(row.model, row.version);
    if (!loaded || sameServingConfig(this.models.storedConfig(loaded.version), row.servingConfig)) return;
    this.logger.info(
      { model: row.model, version: row.version },
      'serving config changed elsewhere; applying',
    );
    this.models
      .reconfigure(row)
      .catch((err) =>
        this.logger.error(
          { model: row.model, version: row.version, err },
          'applying a serving config failed',
        ),
      );
  }

  /** Retires the model's loaded versions that no alias points at (nor the default, when no `production`). */
  private async retireUnserved(model: string): Promise<void> {
    const detail = await this.registry.getModel(model);
    const served = new Set<number>();
    for (const alias of Object.keys(detail.aliases)) {
      // aliasTargets() includes split targets and shadows, not just the primary version.
      for (const t of await this.registry.aliasTargets(alias)) if (t.model === model) served.add(t.version);
    }
    if (detail.aliases[DEFAULT_ALIAS] === undefined && detail.latestVersion !== null) {
      served.add(detail.latestVersion);
    }
    const retiring = this.models.loadedVersions(model).filter((v) => !served.has(v));
    await Promise.all(retiring.map((v) => this.models.retire(model, v)));
  }

  close(): void {
    this.unsubscribe();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
