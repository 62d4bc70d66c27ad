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
  /**
   * Under sustained overload (a queue that has not emptied for 100 ms or ten batch times), admit only
   * requests expected to start within this many ms (at least two batch times); 0 turns it off.
   */
  queueTargetMs?: number;
  instances?: number;
  intraOpThreads?: number;
  interOpThreads?: number;
  /** Where sessions run: on the event loop's thread, or one worker thread per instance. */
  executor?: 'inline' | 'worker';
}

export type VersionStatus = 'ready' | 'failed';

/** How a pushed version's inputs differ from the version `production` pointed at when it was pushed. */
export interface SchemaDiff {
  added: TensorSpec[];
  removed: TensorSpec[];
  changed: Array<{ name: string; before: TensorSpec; after: TensorSpec }>;
  /** Set when the tabular feature names (order included) differ. */
  featureNames: { before: string[] | null; after: string[] | null } | null;
}

/** A push whose inputs differ from production: accepted, flagged, and promoting it needs `force`. */
export interface SchemaChange {
  comparedTo: { alias: string; version: number };
  diff: SchemaDiff;
}

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
  /** Set when the version's inputs differed from `production` at push time. */
  schemaChange: SchemaChange | null;
  /** Archived versions keep their artifact but do not serve. */
  archived: boolean;
  archivedAt: string | null;
  createdAt: string;
}

/** One version an alias sends traffic to; weights are relative (90 and 10 make a 90/10 split). */
export interface AliasTarget {
  version: number;
  weight: number;
}

/** A version that receives a copy of `percent` % of the alias's traffic; its answers are logged only. */
export interface ShadowTarget {
  version: number;
  percent: number;
}

/** Where an alias sends requests: one target (a plain alias) or several (a traffic split), plus a shadow. */
export interface AliasRoute {
  targets: AliasTarget[];
  shadow: ShadowTarget | null;
}

export interface AliasInfo extends AliasRoute {
  model: string;
  alias: string;
  /** The primary target (the first one); the only one unless the alias splits traffic. */
  version: number;
  updatedAt: string;
}

export type AliasAction = 'set' | 'rollback' | 'delete';

/** One alias move: when, from where, to where, by whom (null until users exist). */
export interface AliasHistoryEntry {
  id: number;
  model: string;
  alias: string;
  action: AliasAction;
  from: AliasRoute | null;
  to: AliasRoute | null;
  fromVersion: number | null;
  toVersion: number | null;
  actor: string | null;
  at: string;
}

export interface ModelSummary {
  name: string;
  description: string | null;
  /** `team`: only `team`'s users (and admins) see the model. */
  visibility: 'public' | 'team';
  team: string | null;
  tags: Record<string, string>;
  task: Task | null;
  latestVersion: number | null;
  versionCount: number;
  aliases: Record<string, number>;
  createdAt: string;
  updatedAt: string;
}

export interface ModelDetail extends ModelSummary {
  versions: ModelVersion[];
  /** Every alias with its full route (split targets, shadow). */
  routes: AliasInfo[];
}

/** Filters and paging for listing models. */
export interface ModelQuery {
  /** Substring of the name or description (case-insensitive). */
  q?: string | undefined;
  /** `key` (the tag is set) or `key:value`. */
  tag?: string | undefined;
  task?: Task | undefined;
  /** Only models this caller may see (admins: all; others: public ones and their team's). */
  viewer?: { all: boolean; team: string | null } | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

export interface ModelPage {
  models: ModelSummary[];
  total: number;
  limit: number;
  offset: number;
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
