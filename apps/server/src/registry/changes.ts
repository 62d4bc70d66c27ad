/**
 * What changed in the registry, and the feed listeners subscribe to (serving reloads, swaps,
 * reconfigures and unloads on these).
 */
import type { ModelAccess } from './model-access.js';
import type { ModelVersion, ServingConfig, VersionStatus } from './types.js';

export type RegistryChange =
  | {
      kind: 'alias';
      model: string;
      alias: string;
      /** The primary target; null when the alias was removed. */
      version: number | null;
      /** Every version the alias now sends traffic to (split targets and shadow included). */
      versions: number[];
    }
  | { kind: 'version'; model: string; version: number; status: VersionStatus | 'archived' | 'deleted' }
  | {
      kind: 'serving-config';
      model: string;
      version: number;
      servingConfig: ServingConfig;
      /** The version with its new config. */
      row: ModelVersion;
      /**
       * `this-process`: changed through this registry instance (the caller applies it itself);
       * `database`: another process changed it, seen when this one re-read the version.
       */
      origin: 'this-process' | 'database';
    }
  /** A model's visibility or team changed through this registry instance (who may see it). */
  | { kind: 'access'; model: string; access: ModelAccess };

export type RegistryListener = (change: RegistryChange) => void;

/** The listeners of one registry instance, called synchronously in subscription order. */
export class ChangeFeed {
  private readonly listeners = new Set<RegistryListener>();

  /** Subscribes; returns the unsubscribe function. */
  subscribe(listener: RegistryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(change: RegistryChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
