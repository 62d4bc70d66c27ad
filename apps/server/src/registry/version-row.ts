/** Maps a model_versions row to the public ModelVersion shape. */
import type { modelVersions } from '../db/schema.js';
import type { ModelVersion, Task, VersionStatus } from './types.js';

export type VersionRow = typeof modelVersions.$inferSelect;

export function toVersion(model: string, row: VersionRow, aliasNames: string[]): ModelVersion {
  return {
    model,
    version: row.version,
    sha256: row.sha256,
    sizeBytes: row.sizeBytes,
    framework: 'onnx',
    task: row.task as Task,
    status: row.status as VersionStatus,
    statusReason: row.statusReason,
    description: row.description,
    labels: row.labels ?? null,
    featureNames: row.featureNames ?? null,
    inputs: row.inputs,
    outputs: row.outputs,
    preprocessing: row.preprocessing ?? null,
    metrics: row.metrics,
    tags: row.tags,
    servingConfig: row.servingConfig,
    aliases: aliasNames,
    schemaChange: row.schemaChange ?? null,
    archived: row.archivedAt !== null,
    archivedAt: row.archivedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}
