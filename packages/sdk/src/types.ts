// The request and answer shapes of the Model Garden HTTP API, exactly as docs/api.md gives them.

/** An ONNX / Open Inference Protocol tensor element type. */
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

/** One input or output of a model; `-1` in `shape` is a dynamic dimension. */
export interface TensorSpec {
  name: string;
  datatype: Datatype;
  shape: number[];
}

export type Task = 'tabular-classification' | 'tabular-regression' | 'image-classification' | 'tensor';

/** How the server turns a picture into the model's input tensor. */
export interface ImagePreprocessing {
  type: 'image';
  width: number;
  height: number;
  channels: 1 | 3;
  layout: 'NCHW' | 'NHWC';
  /** pixel (0..255) * scale, default 1/255 */
  scale: number;
  /** per channel, after scaling: (x - mean) / std */
  mean: number[];
  std: number[];
  /** 255 - pixel before scaling (dark-on-light pictures for a light-on-dark model) */
  invert: boolean;
  /** trim the uniform border and centre the content in a square before resizing */
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
  statusReason?: string | null;
  description: string | null;
  labels: string[] | null;
  featureNames: string[] | null;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  preprocessing: ImagePreprocessing | null;
  metrics: Record<string, number>;
  tags: Record<string, string>;
  /** aliases currently pointing here */
  aliases: string[];
  /** set when the inputs differed from `production` at push time; promoting it then needs `force` */
  schemaChange: SchemaChange | null;
  /** archived versions keep their artifact but do not serve */
  archived: boolean;
  archivedAt: string | null;
  /** ISO 8601 */
  createdAt: string;
}

/** How a version's inputs differ from another's. */
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

export interface ModelSummary {
  name: string;
  description: string | null;
  /** `team`: only that team's users (and admins) see the model. */
  visibility: 'public' | 'team';
  team: string | null;
  tags: Record<string, string>;
  task: Task | null;
  latestVersion: number | null;
  versionCount: number;
  /** e.g. `{ production: 1 }` */
  aliases: Record<string, number>;
  createdAt: string;
  updatedAt: string;
}

export interface ModelDetail extends ModelSummary {
  /** newest first */
  versions: ModelVersion[];
  /** every alias with its targets (weights for a split) and shadow */
  routes: AliasInfo[];
}

/** `GET /api/models` */
export interface ModelList {
  models: ModelSummary[];
  total: number;
  limit: number;
  offset: number;
}

/** Filters and paging for `GET /api/models`. */
export interface ModelQuery {
  /** substring of the name or description */
  q?: string;
  /** `key` or `key:value` */
  tag?: string;
  task?: Task;
  limit?: number;
  offset?: number;
}

/** A version an alias sends traffic to; weights are relative (90 and 10 split 90/10). */
export interface AliasTarget {
  version: number;
  weight: number;
}

/** A version that receives a copy of `percent` % of the traffic; its answers are only logged. */
export interface ShadowTarget {
  version: number;
  percent: number;
}

export interface AliasRoute {
  targets: AliasTarget[];
  shadow: ShadowTarget | null;
}

/** An alias: its primary `version`, every target, and the shadow. */
export interface AliasInfo extends AliasRoute {
  model: string;
  alias: string;
  version: number;
  updatedAt: string;
}

/** One alias move. `actor` is null until users exist. */
export interface AliasHistoryEntry {
  id: number;
  model: string;
  alias: string;
  action: 'set' | 'rollback' | 'delete';
  from: AliasRoute | null;
  to: AliasRoute | null;
  fromVersion: number | null;
  toVersion: number | null;
  actor: string | null;
  at: string;
}

/** A metadata edit: fields left out keep their value; null clears. */
export interface VersionMetadataPatch {
  description?: string | null;
  task?: Task;
  labels?: string[] | null;
  featureNames?: string[] | null;
  preprocessing?: (Partial<ImagePreprocessing> & { type: 'image' }) | null;
  metrics?: Record<string, number>;
  tags?: Record<string, string>;
}

/**
 * The optional `metadata` part of a push. Anything left out is read from the ONNX graph or inferred;
 * preprocessing fields other than `type` fall back to the server's defaults.
 */
export interface PushMetadata {
  description?: string;
  task?: Task;
  labels?: string[];
  featureNames?: string[];
  preprocessing?: Partial<ImagePreprocessing> & { type: 'image' };
  metrics?: Record<string, number>;
  tags?: Record<string, string>;
}

/** `PUT /api/models/{name}/aliases/{alias}` */
export type AliasAssignment = AliasInfo;

/** One tabular row: feature name → value. */
export type FeatureRow = Record<string, number>;

/** `POST /api/models/{name}/predict` with JSON rows. */
export interface TabularPredictRequest {
  inputs: FeatureRow | FeatureRow[];
  topK?: number;
}

/** `POST /api/models/{name}/predict` with base64 (or `data:` URL) pictures. */
export type ImagePredictRequest = ({ image: string } | { images: string[] }) & { topK?: number };

export interface LabelProbability {
  label: string;
  probability: number;
}

/** A classification row. `probabilities` is sorted high to low and cut to `topK`. */
export interface ClassificationPrediction {
  label: string;
  probability: number;
  probabilities: LabelProbability[];
}

/** A regression row: `value` for one output column, `values` for several. */
export type RegressionPrediction = { value: number } | { values: number[] };

export type Prediction = ClassificationPrediction | RegressionPrediction;

export interface PredictResponse {
  model: string;
  version: number;
  predictions: Prediction[];
}

/** `GET /health/live` and `GET /health/ready`. */
export interface HealthStatus {
  status: 'ok' | 'ready' | 'not_ready';
  checks?: Record<string, unknown>;
}

// Open Inference Protocol v2 (KServe / Triton REST).

export type OipParameters = Record<string, string | number | boolean>;

export type OipTensorData = number[] | string[] | boolean[] | number[][] | string[][] | boolean[][];

export interface OipInferInput {
  name: string;
  shape: number[];
  datatype: Datatype;
  parameters?: OipParameters;
  data: OipTensorData;
}

export interface OipRequestedOutput {
  name: string;
  parameters?: OipParameters;
}

export interface OipInferRequest {
  id?: string;
  parameters?: OipParameters;
  inputs: OipInferInput[];
  outputs?: OipRequestedOutput[];
}

export interface OipInferOutput {
  name: string;
  shape: number[];
  datatype: Datatype;
  parameters?: OipParameters;
  data: OipTensorData;
}

export interface OipInferResponse {
  model_name: string;
  model_version?: string;
  id?: string;
  parameters?: OipParameters;
  outputs: OipInferOutput[];
}

/** `GET /v2` */
export interface OipServerMetadata {
  name: string;
  version: string;
  extensions: string[];
}

// Access control: users, API keys, sessions, audit (docs/security-access.md).

export type Role = 'admin' | 'member' | 'viewer';
export type Scope = 'predict' | 'models:read' | 'models:write' | 'admin';

export interface User {
  id: number;
  name: string;
  role: Role;
  team: string | null;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface NewUser {
  name: string;
  role?: Role;
  team?: string | null;
  /** Generated by the server and returned once when absent. */
  password?: string;
}

export interface UserPatch {
  role?: Role;
  team?: string | null;
  disabled?: boolean;
}

/** A user with the password the server generated for them (present only then; shown once). */
export interface UserWithPassword {
  user: User;
  password?: string;
}

export interface ApiKeyInfo {
  id: number;
  user: string;
  name: string;
  /** The key's first characters, to tell keys apart; the key itself is never shown again. */
  prefix: string;
  scopes: Scope[];
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  requestCount: number;
  createdAt: string;
}

export interface NewApiKey {
  name: string;
  scopes: Scope[];
  /** ISO 8601. */
  expiresAt?: string;
  /** Admins: create the key for this user. */
  user?: string;
}

/** The answer to creating a key: `key` is shown this once. */
export interface CreatedApiKey extends ApiKeyInfo {
  key: string;
}

/** `GET /api/session`: who the caller is. */
export interface SessionInfo {
  authenticated: boolean;
  user: { name: string; role: Role; team: string | null } | null;
  via: string | null;
  scopes: Scope[];
  csrfToken: string | null;
  expiresAt: string | null;
  anonymousReads: boolean;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string | null;
  via: string;
  action: string;
  target: string;
  status: number;
  ip: string | null;
  requestId: string | null;
  details: Record<string, unknown> | null;
}

export interface AuditQuery {
  actor?: string;
  action?: string;
  /** Prefix of the target, e.g. `model:iris`. */
  target?: string;
  from?: string;
  to?: string;
  cursor?: number;
  limit?: number;
}
