/**
 * Pushing a version: the staged artifact is inspected by the inference backend (which reads its
 * schema and proves it loads), the metadata is checked against that schema, then the registry
 * stores it. A file that does not load never becomes a version.
 */
import { readFile } from 'node:fs/promises';
import type { StagedArtifact } from './artifact-store.js';
import { DEFAULT_ALIAS, type RegistryService } from './registry-service.js';
import { diffInputs } from './schema-diff.js';
import type { ModelVersion, SchemaChange, TensorSpec } from './types.js';
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
    const featureNames = meta.featureNames ?? null;
    const schemaChange = await compareWithProduction(registry, name, {
      inputs: inspected.inputs,
      featureNames,
    });
    const version = await registry.createVersion(name, {
      staged,
      task,
      preprocessing,
      description: meta.description ?? null,
      labels: meta.labels ?? null,
      featureNames,
      inputs: inspected.inputs,
      outputs: inspected.outputs,
      metrics: meta.metrics ?? {},
      tags: meta.tags ?? {},
      schemaChange,
    });
    inspected.adopt(version);
    return version;
  } catch (err) {
    await inspected.release();
    throw err;
  }
}

/**
 * The schema check on push: a version whose inputs differ from the current `production` version is
 * accepted but flagged, so people see it and promoting it needs `force`.
 */
async function compareWithProduction(
  registry: RegistryService,
  name: string,
  signature: { inputs: TensorSpec[]; featureNames: string[] | null },
): Promise<SchemaChange | null> {
  const production = await registry.aliasVersion(name, DEFAULT_ALIAS);
  if (!production) return null;
  const diff = diffInputs(production, signature);
  return diff ? { comparedTo: { alias: DEFAULT_ALIAS, version: production.version }, diff } : null;
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
