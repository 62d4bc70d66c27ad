// A version's lifecycle (archive, restore, delete), its metadata, serving config and drift reference.

import type { ModelVersion, VersionMetadataPatch } from '@modelgarden/sdk';
import { json, modelPath, request } from './client';

const versionPath = (name: string, version: number) => `${modelPath(name)}/versions/${version}`;

/** A version's serving settings; unset fields take the engine defaults (docs/api.md, "Serving config"). */
export interface ServingConfig {
  maxBatchSize?: number;
  maxQueueDelayMs?: number;
  maxQueue?: number;
  timeoutMs?: number;
  queueTargetMs?: number;
  instances?: number;
  intraOpThreads?: number;
  interOpThreads?: number;
  executor?: 'inline' | 'worker';
}

/** What the engine measured for a loaded version and what it chose for each setting left unset. */
export interface ServingTuning {
  cores: number;
  shape: number[] | null;
  singleRunMs: number | null;
  curve: Array<{ rows: number; ms: number; rowsPerSecond: number; samples: number }>;
  executions: number;
  decisions: Array<{
    setting: keyof ServingConfig;
    value: number | string;
    source: 'explicit' | 'tuned' | 'default';
    reason: string;
  }>;
}

/** `GET /serving-config`: what is stored, what is in effect (defaults filled in), and any extra parts. */
export interface ServingConfigView {
  model: string;
  version: number;
  servingConfig: ServingConfig;
  effective?: Required<ServingConfig>;
  tuning?: ServingTuning | null;
  loaded?: boolean;
  [part: string]: unknown;
}

/** Which reference a version's drift is computed against. */
export interface ReferenceDataset {
  model: string;
  version: number;
  source: string;
  rows: number;
  features: string[];
  createdAt: string;
}

export interface DeletedVersion {
  model: string;
  version: number;
  deleted: true;
  artifactRemoved: boolean;
}

export const versionsApi = {
  /** Fields left out keep their value; `null` clears. */
  update(name: string, version: number, patch: VersionMetadataPatch): Promise<ModelVersion> {
    return request(versionPath(name, version), { method: 'PATCH', ...json(patch) });
  },

  /** Stops serving, keeps the artifact; 409 VERSION_IN_USE while an alias uses it. */
  archive(name: string, version: number): Promise<ModelVersion> {
    return request(`${versionPath(name, version)}/archive`, { method: 'POST' });
  },

  restore(name: string, version: number): Promise<ModelVersion> {
    return request(`${versionPath(name, version)}/restore`, { method: 'POST' });
  },

  /** 409 VERSION_IN_USE while an alias uses it; version numbers are never reused. */
  remove(name: string, version: number): Promise<DeletedVersion> {
    return request(versionPath(name, version), { method: 'DELETE' });
  },

  servingConfig(name: string, version: number): Promise<ServingConfigView> {
    return request(`${versionPath(name, version)}/serving-config`);
  },

  /** Replaces the whole config: fields left out go back to the defaults. */
  setServingConfig(name: string, version: number, config: ServingConfig): Promise<ServingConfigView> {
    return request(`${versionPath(name, version)}/serving-config`, { method: 'PUT', ...json(config) });
  },

  reference(name: string, version: number): Promise<ReferenceDataset> {
    return request(`${versionPath(name, version)}/reference`);
  },

  /** A CSV with one column per feature and an optional `label` column. */
  uploadReference(name: string, version: number, csv: string): Promise<ReferenceDataset> {
    return request(`${versionPath(name, version)}/reference`, {
      method: 'PUT',
      body: csv,
      headers: { 'content-type': 'text/csv' },
    });
  },
};
