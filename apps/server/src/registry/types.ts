/** The registry's public data shapes, shared by the HTTP layer, the SDK contract and serving. */

export const DATATYPES = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
] as const;
export type Datatype = (typeof DATATYPES)[number];

export interface TensorSpec {
  name: string;
  datatype: Datatype;
  /** Dimensions; -1 marks a dynamic one. */
  shape: number[];
}

export const TASKS = [
  'tabular-classification',
  'tabular-regression',
  'image-classification',
  'tensor',
] as const;
export type Task = (typeof TASKS)[number];

export interface ImagePreprocessing {
  type: 'image';
  width: number;
  height: number;
  channels: 1 | 3;
  layout: 'NCHW' | 'NHWC';
  scale: number;
  mean: number[];
  std: number[];
  invert: boolean;
  cropToContent: boolean;
}

/**
 * Per-version serving settings (dynamic batching, queue bounds, deadlines, parallel sessions, ORT
 * threads). Unset fields take the engine's defaults.
 */
export interface ServingConfig {
  maxBatchSize?: number;
  maxQueueDelayMs?: number;
  maxQueue?: number;
  timeoutMs?: number;
  instances?: number;
  intraOpThreads?: number;
  interOpThreads?: number;
}

export type VersionStatus = 'ready' | 'failed';

export interface ModelVersion {
  model: string;
  version: number;
  sha256: string;
  sizeBytes: number;
  framework: 'onnx';
  task: Task;
  status: VersionStatus;
  statusReason: string | null;
  description: string | null;
  labels: string[] | null;
  featureNames: string[] | null;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  preprocessing: ImagePreprocessing | null;
  metrics: Record<string, number>;
  tags: Record<string, string>;
  servingConfig: ServingConfig;
  aliases: string[];
  createdAt: string;
}

export interface ModelSummary {
  name: string;
  description: string | null;
  task: Task | null;
  latestVersion: number | null;
  versionCount: number;
  aliases: Record<string, number>;
  createdAt: string;
  updatedAt: string;
}

export interface ModelDetail extends ModelSummary {
  versions: ModelVersion[];
}

/** Metadata a client may send with a new version; everything optional. */
export interface VersionMetadataInput {
  description?: string;
  task?: Task;
  labels?: string[];
  featureNames?: string[];
  preprocessing?: Partial<ImagePreprocessing> & { type: 'image'; width: number; height: number };
  metrics?: Record<string, number>;
  tags?: Record<string, string>;
}
