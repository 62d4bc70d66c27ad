/**
 * Editing a version's metadata after the push: the artifact and its input/output schema are
 * immutable, everything a person wrote about it (description, labels, feature names, preprocessing,
 * metrics, tags) may change, and is checked against the schema again.
 */
import type { z } from 'zod';
import { versionMetadataPatchSchema } from '../contract/model-metadata-schemas.js';
import type { ModelVersion } from './types.js';
import { resolveMetadata } from './version-metadata.js';

export { versionMetadataPatchSchema };

export type VersionMetadataPatch = z.infer<typeof versionMetadataPatchSchema>;

/** The columns to write for a patch; throws INVALID_METADATA when the result contradicts the schema. */
export function applyMetadataPatch(current: ModelVersion, patch: VersionMetadataPatch) {
  const pick = <K extends keyof VersionMetadataPatch & keyof ModelVersion>(key: K) =>
    patch[key] === undefined ? current[key] : patch[key];
  const labels = pick('labels') as string[] | null;
  const featureNames = pick('featureNames') as string[] | null;
  const preprocessing = pick('preprocessing') as ModelVersion['preprocessing'];
  const explicitTask = patch.task ?? (patch.preprocessing === undefined ? current.task : undefined);
  const resolved = resolveMetadata(
    {
      ...(explicitTask ? { task: explicitTask } : {}),
      ...(labels ? { labels } : {}),
      ...(featureNames ? { featureNames } : {}),
      ...(preprocessing ? { preprocessing } : {}),
    },
    current.inputs,
    current.outputs,
  );
  return {
    description: pick('description') as string | null,
    task: resolved.task,
    labels,
    featureNames,
    preprocessing: resolved.preprocessing,
    metrics: patch.metrics ?? current.metrics,
    tags: patch.tags ?? current.tags,
  };
}
