// Types of the Model Garden HTTP API, mirrored from docs/api.md (the contract).

export type Datatype =
  | 'BOOL'
  | 'UINT8'
  | 'UINT16'
  | 'UINT32'
  | 'UINT64'
  | 'INT8'
  | 'INT16'
  | 'INT32'
  | 'INT64'
  | 'FP16'
  | 'FP32'
  | 'FP64'
  | 'BYTES';

/** A tensor's name, element type and shape; -1 marks a dynamic dimension. */
export interface TensorSpec {
  name: string;
  datatype: Datatype;
  shape: number[];
}

export type Task = 'tabular-classification' | 'tabular-regression' | 'image-classification' | 'tensor';

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

export interface ModelVersion {
  model: string;
  version: number;
  sha256: string;
  sizeBytes: number;
  framework: 'onnx';
  task: Task;
  status: 'ready' | 'failed';
  description: string | null;
  labels: string[] | null;
  featureNames: string[] | null;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  preprocessing: ImagePreprocessing | null;
  metrics: Record<string, number>;
  tags: Record<string, string>;
  aliases: string[];
  /** Set when the inputs differed from `production` at push time; promoting then needs `force`. */
  schemaChange?: SchemaChange | null;
  archived?: boolean;
  createdAt: string;
}

export interface SchemaDiff {
  added: TensorSpec[];
  removed: TensorSpec[];
  changed: Array<{ name: string; before: TensorSpec; after: TensorSpec }>;
  featureNames: { before: string[] | null; after: string[] | null } | null;
}

export interface SchemaChange {
  comparedTo: { alias: string; version: number };
  diff: SchemaDiff;
}

/** One alias move: when, from, to, by whom (null until users exist). */
export interface AliasHistoryEntry {
  id: number;
  alias: string;
  action: 'set' | 'rollback' | 'delete';
  fromVersion: number | null;
  toVersion: number | null;
  actor: string | null;
  at: string;
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
  /** Newest first. */
  versions: ModelVersion[];
}

export interface AliasAssignment {
  model: string;
  alias: string;
  version: number;
}

export interface LabelProbability {
  label: string;
  probability: number;
}

/** One row of a friendly prediction: a class (with its probabilities) or a regression value. */
export interface Prediction {
  label?: string;
  probability?: number;
  probabilities?: LabelProbability[];
  value?: number;
  values?: number[];
}

export interface PredictResponse {
  model: string;
  version: number;
  predictions: Prediction[];
}

/** Metadata sent as the `metadata` field of an upload. */
export interface UploadMetadata {
  description?: string;
  task?: Task;
  labels?: string[];
  featureNames?: string[];
}

/** The body of every `/api/*` error. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}
