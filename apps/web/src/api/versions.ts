// A version's lifecycle (archive, restore, delete), its metadata, serving config and drift reference.

import type {
  DeletedVersion,
  ModelVersion,
  ReferenceDataset,
  ServingConfig,
  ServingConfigView,
  VersionMetadataPatch,
} from '@modelgarden/sdk';
import { call } from './client';

export type {
  DeletedVersion,
  ReferenceDataset,
  ServingConfig,
  ServingConfigView,
  ServingTuning,
} from '@modelgarden/sdk';

export const versionsApi = {
  /** Fields left out keep their value; `null` clears. */
  update: (name: string, version: number, patch: VersionMetadataPatch): Promise<ModelVersion> =>
    call((c) => c.updateVersion(name, version, patch)),

  /** Stops serving, keeps the artifact; 409 VERSION_IN_USE while an alias uses it. */
  archive: (name: string, version: number): Promise<ModelVersion> =>
    call((c) => c.archiveVersion(name, version)),

  restore: (name: string, version: number): Promise<ModelVersion> =>
    call((c) => c.restoreVersion(name, version)),

  /** 409 VERSION_IN_USE while an alias uses it; version numbers are never reused. */
  remove: (name: string, version: number): Promise<DeletedVersion> =>
    call((c) => c.deleteVersion(name, version)),

  servingConfig: (name: string, version: number): Promise<ServingConfigView> =>
    call((c) => c.getServingConfig(name, version)),

  /** Replaces the whole config: fields left out go back to the defaults. */
  setServingConfig: (name: string, version: number, config: ServingConfig): Promise<ServingConfigView> =>
    call((c) => c.setServingConfig(name, version, config)),

  reference: (name: string, version: number): Promise<ReferenceDataset> =>
    call((c) => c.getReference(name, version)),

  /** A CSV with one column per feature and an optional `label` column. */
  uploadReference: (name: string, version: number, csv: string): Promise<ReferenceDataset> =>
    call((c) => c.setReference(name, version, csv)),
};
