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
  metadata: VersionMetadata,
): Promise<ModelVersion> {
  let meta = metadata;
  const inspected = await inspect(await readFile(staged.path));
  try {
    meta = await inheritMetadata(registry, name, meta, inspected);
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

/** Compares tensor lists by value (jsonb does not keep key order, so no JSON.stringify). */
const signatureKey = (specs: TensorSpec[]) =>
  specs.map((t) => `${t.name}:${t.datatype}:${t.shape.join('x')}`).join('|');
const sameSignature = (a: TensorSpec[], b: TensorSpec[]) => signatureKey(a) === signatureKey(b);

/**
 * A new version of an existing model keeps the latest version's task, labels, feature names and
 * preprocessing when it leaves them out and its signature is the same: pushing a retrained file
 * should not need its metadata repeated. Anything given explicitly wins.
 */
async function inheritMetadata(
  registry: RegistryService,
  name: string,
  meta: VersionMetadata,
  inspected: InspectedModel,
): Promise<VersionMetadata> {
  const previous = await registry.latestVersion(name);
  if (!previous) return meta;
  if (
    !sameSignature(previous.inputs, inspected.inputs) ||
    !sameSignature(previous.outputs, inspected.outputs)
  ) {
    return meta;
  }
  return {
    ...meta,
    task: meta.task ?? previous.task,
    labels: meta.labels ?? previous.labels ?? undefined,
    featureNames: meta.featureNames ?? previous.featureNames ?? undefined,
    preprocessing: meta.preprocessing ?? previous.preprocessing ?? undefined,
  };
}
