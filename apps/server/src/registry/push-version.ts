/**
 * Pushing a version: the staged artifact is inspected by the inference backend (which reads its
 * schema and proves it loads), the metadata is checked against that schema, then the registry
 * stores it. A file that does not load never becomes a version.
 */
import { readFile } from 'node:fs/promises';
import type { StagedArtifact } from './artifact-store.js';
import type { RegistryService } from './registry-service.js';
import type { ModelVersion, TensorSpec } from './types.js';
import { resolveMetadata, type VersionMetadata } from './version-metadata.js';

/** What the backend learns from a model file; `adopt` hands the open session to serving, `release` drops it. */
export interface InspectedModel {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  adopt(version: ModelVersion): void;
  release(): Promise<void>;
}

export type ModelInspector = (bytes: Uint8Array) => Promise<InspectedModel>;

export async function pushVersion(
  registry: RegistryService,
  inspect: ModelInspector,
  name: string,
  staged: StagedArtifact,
  meta: VersionMetadata,
): Promise<ModelVersion> {
  const inspected = await inspect(await readFile(staged.path));
  try {
    const { task, preprocessing } = resolveMetadata(meta, inspected.inputs, inspected.outputs);
    const version = await registry.createVersion(name, {
      staged,
      task,
      preprocessing,
      description: meta.description ?? null,
      labels: meta.labels ?? null,
      featureNames: meta.featureNames ?? null,
      inputs: inspected.inputs,
      outputs: inspected.outputs,
      metrics: meta.metrics ?? {},
      tags: meta.tags ?? {},
    });
    inspected.adopt(version);
    return version;
  } catch (err) {
    await inspected.release();
    throw err;
  }
}
