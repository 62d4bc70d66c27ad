// ModelGardenClient: one typed method per route of docs/api.md, over the global (or a given) fetch.

import { toBase64 } from './base64.js';
import { ModelGardenApiError, ModelGardenNetworkError } from './errors.js';
import { type MultipartField, multipartStream, type UploadProgress } from './multipart.js';
import type { ChatCompletion, LlmModel } from './openai-types.js';
import type {
  AliasAssignment,
  AliasHistoryEntry,
  AliasInfo,
  AliasTarget,
  ApiKeyInfo,
  AppendedMessages,
  AuditEntry,
  AuditQuery,
  ChatCompletionRequest,
  Collection,
  CollectionDocument,
  CollectionEvaluation,
  Conversation,
  ConversationPatch,
  ConversationWithMessages,
  CreateCollection,
  CreatedApiKey,
  DeletedVersion,
  DriftQuery,
  DriftReport,
  EvaluationQuestion,
  FeatureRow,
  HealthStatus,
  LlmAlias,
  LlmAliasPatch,
  LlmKeySettings,
  LlmKeySettingsWithUsage,
  LlmProvider,
  LlmProviderPatch,
  LlmProviders,
  LlmUsageQuery,
  LlmUsageTotals,
  MetricsSummary,
  ModelDetail,
  ModelList,
  ModelQuery,
  ModelSummary,
  ModelVersion,
  NewApiKey,
  NewConversation,
  NewConversationMessage,
  NewLlmAlias,
  NewLlmProvider,
  NewUser,
  OipInferRequest,
  OipInferResponse,
  OipModelMetadata,
  OipModelReady,
  OipServerMetadata,
  PredictionLogSettings,
  PredictionPage,
  PredictionQuery,
  PredictResponse,
  PushMetadata,
  ReferenceDataset,
  RetrievalEvaluation,
  SearchResponse,
  ServingConfig,
  ServingConfigView,
  SessionInfo,
  UploadedDocument,
  User,
  UserPatch,
  UserWithPassword,
  VersionMetadataPatch,
} from './types.js';
import { type ResolvedUpload, resolveUpload, type UploadSource } from './upload-source.js';

export interface ModelGardenClientOptions {
  /** Where the server answers, e.g. `http://127.0.0.1:8080` (a path prefix is kept). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** A fetch implementation; defaults to the global one. */
  fetch?: typeof fetch;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
  /**
   * Browsers: whether fetch sends cookies (the session cookie of the web app). Defaults to fetch's own
   * default (`same-origin`).
   */
  credentials?: RequestInit['credentials'];
  /**
   * The CSRF token of a cookie session (`GET /api/session`'s `csrfToken`), sent as `x-csrf-token` on
   * every request that changes something; asked for per request, so it can change after a login.
   */
  csrfToken?: () => string | null | undefined;
  /** Called with every error answer before it is thrown (e.g. to send a browser to its login page on 401). */
  onError?: (error: ModelGardenApiError) => void;
}

export interface CallOptions {
  signal?: AbortSignal;
}

/** Options of a call that changes something: an `Idempotency-Key` makes a retry safe. */
export interface MutationOptions extends CallOptions {
  /** Sent as `Idempotency-Key`: a retry with the same key gets the first answer and changes nothing twice. */
  idempotencyKey?: string;
}

export interface AliasMoveOptions extends MutationOptions {
  /** Move even when the target's inputs differ from the alias's current version. */
  force?: boolean;
}

export interface PushModelOptions extends MutationOptions {
  metadata?: PushMetadata;
  /** Called as the file goes out; in runtimes that cannot stream a body, only at the start and end. */
  onProgress?: (progress: UploadProgress) => void;
  /** The file name sent to the server; defaults to the path's base name, a File's name or `model.onnx`. */
  filename?: string;
  /** A reference dataset for drift reports, as CSV text (one column per feature, optional `label`). */
  reference?: string;
}

/** Which version answers: `version` or `alias`; neither means `production`, else the latest. */
export interface PredictOptions extends CallOptions {
  version?: number;
  alias?: string;
  /** Keep only the `topK` most probable labels per row. */
  topK?: number;
}

export interface InferOptions extends CallOptions {
  version?: number | string;
}

/** A picture for `predictImage`: bytes, a Blob/File, or a base64 string / `data:` URL. */
export type ImageInput = Uint8Array | Blob | string;

type Query = Record<string, string | number | undefined>;

interface SendInit extends CallOptions {
  query?: Query;
  json?: unknown;
  body?: RequestInit['body'];
  headers?: Record<string, string>;
  /** statuses other than 2xx whose body is still the answer (readiness: 503) */
  alsoOk?: number[];
  /** the answer may have no body (204) */
  empty?: boolean;
}

/**
 * A typed client for the Model Garden REST API. Failures throw `ModelGardenApiError` (the server
 * answered with an error) or `ModelGardenNetworkError` (no answer).
 *
 * @example
 * const client = new ModelGardenClient({ baseUrl: 'http://127.0.0.1:8080' });
 * const { predictions } = await client.predict('iris', { sepal_length: 5.1, sepal_width: 3.5,
 *   petal_length: 1.4, petal_width: 0.2 });
 */
export class ModelGardenClient {
  readonly baseUrl: string;
  readonly #apiKey: string | undefined;
  readonly #fetch: typeof fetch;
  readonly #headers: Record<string, string>;
  readonly #credentials: RequestInit['credentials'] | undefined;
  readonly #csrfToken: (() => string | null | undefined) | undefined;
  readonly #onError: ((error: ModelGardenApiError) => void) | undefined;

  constructor(options: ModelGardenClientOptions) {
    if (!options?.baseUrl) throw new TypeError('ModelGardenClient: options.baseUrl is required');
    const base = options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`;
    // A path (`/`) is relative to the page in a browser; anywhere else the URL must be absolute.
    const page = (globalThis as { location?: { href?: string } }).location?.href;
    // fail here, not on the first call, when the URL is malformed
    this.baseUrl = base.startsWith('/') && page ? new URL(base, page).toString() : new URL(base).toString();
    this.#apiKey = options.apiKey;
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#headers = options.headers ?? {};
    this.#credentials = options.credentials;
    this.#csrfToken = options.csrfToken;
    this.#onError = options.onError;
  }

  /** `GET /api/models` */
  async listModels(options?: CallOptions): Promise<ModelSummary[]> {
    const answer = await this.#json<ModelList>('GET', 'api/models', { ...options });
    return answer.models;
  }

  /** `GET /api/models/{name}`: the model with its versions, newest first. */
  getModel(name: string, options?: CallOptions): Promise<ModelDetail> {
    return this.#json('GET', `api/models/${segment(name)}`, { ...options });
  }

  /** `GET /api/models/{name}/versions/{version}` */
  getVersion(name: string, version: number, options?: CallOptions): Promise<ModelVersion> {
    return this.#json('GET', `api/models/${segment(name)}/versions/${segment(version)}`, { ...options });
  }

  /**
   * `POST /api/models/{name}/versions`: upload an `.onnx` file as the model's next version.
   *
   * @example
   * const version = await client.pushModel('iris', './iris.onnx', {
   *   metadata: { labels: ['setosa', 'versicolor', 'virginica'] },
   *   onProgress: ({ loaded, total }) => console.log(`${loaded}/${total}`),
   * });
   */
  async pushModel(name: string, file: UploadSource, options: PushModelOptions = {}): Promise<ModelVersion> {
    const { metadata, onProgress, filename, signal } = options;
    const keyHeader = idempotencyHeader(options);
    const upload = await resolveUpload(file, filename);
    const fields: MultipartField[] = metadata ? [{ name: 'metadata', value: JSON.stringify(metadata) }] : [];
    if (options.reference !== undefined) fields.push({ name: 'reference', value: options.reference });
    const path = `api/models/${segment(name)}/versions`;
    return this.#upload(path, fields, upload, { signal, headers: keyHeader, onProgress });
  }

  /** `GET /api/models?q=&tag=&task=&limit=&offset=`: one page of models matching the filters. */
  searchModels(query: ModelQuery = {}, options?: CallOptions): Promise<ModelList> {
    return this.#json('GET', 'api/models', { ...options, query: { ...query } });
  }

  /** `POST /api/models`: an empty model (versions come with pushes). */
  createModel(
    name: string,
    fields: { description?: string | null; tags?: Record<string, string> } = {},
    options: MutationOptions = {},
  ): Promise<ModelDetail> {
    return this.#mutate('POST', 'api/models', options, { name, ...fields });
  }

  /** `PATCH /api/models/{name}`: description and tags (tags are replaced as a whole). */
  updateModel(
    name: string,
    fields: { description?: string | null; tags?: Record<string, string> },
    options: MutationOptions = {},
  ): Promise<ModelDetail> {
    return this.#mutate('PATCH', `api/models/${segment(name)}`, options, fields);
  }

  /** `PATCH /api/models/{name}/versions/{version}`: edit metadata; the artifact and schema are immutable. */
  updateVersion(
    name: string,
    version: number,
    patch: VersionMetadataPatch,
    options: MutationOptions = {},
  ): Promise<ModelVersion> {
    return this.#mutate('PATCH', `api/models/${segment(name)}/versions/${segment(version)}`, options, patch);
  }

  /** `POST …/versions/{version}/archive`: stops serving, keeps the artifact (409 while an alias uses it). */
  archiveVersion(name: string, version: number, options: MutationOptions = {}): Promise<ModelVersion> {
    return this.#mutate('POST', `api/models/${segment(name)}/versions/${segment(version)}/archive`, options);
  }

  /** `POST …/versions/{version}/restore`: serve an archived version again. */
  restoreVersion(name: string, version: number, options: MutationOptions = {}): Promise<ModelVersion> {
    return this.#mutate('POST', `api/models/${segment(name)}/versions/${segment(version)}/restore`, options);
  }

  /** `DELETE …/versions/{version}` (409 while an alias uses it); the artifact goes when no version shares it. */
  deleteVersion(name: string, version: number, options: MutationOptions = {}): Promise<DeletedVersion> {
    return this.#mutate('DELETE', `api/models/${segment(name)}/versions/${segment(version)}`, options);
  }

  /** `PUT /api/models/{name}/aliases/{alias}`: point `alias` (e.g. `production`) at `version`. */
  setAlias(
    name: string,
    alias: string,
    version: number,
    options: AliasMoveOptions = {},
  ): Promise<AliasAssignment> {
    const { force, ...rest } = options;
    return this.#mutate('PUT', `api/models/${segment(name)}/aliases/${segment(alias)}`, rest, {
      version,
      ...(force ? { force } : {}),
    });
  }

  /**
   * `PUT /api/models/{name}/aliases/{alias}` with weighted targets: a traffic split (canary), and
   * optionally a shadow version that gets a copy of the traffic whose answers are only logged.
   *
   * @example
   * await client.splitTraffic('iris', 'production', [{ version: 1, weight: 90 }, { version: 2, weight: 10 }]);
   */
  splitTraffic(
    name: string,
    alias: string,
    targets: AliasTarget[],
    options: AliasMoveOptions & { shadow?: { version: number; percent?: number } | null } = {},
  ): Promise<AliasInfo> {
    const { force, shadow, ...rest } = options;
    return this.#mutate('PUT', `api/models/${segment(name)}/aliases/${segment(alias)}`, rest, {
      targets,
      ...(shadow !== undefined ? { shadow } : {}),
      ...(force ? { force } : {}),
    });
  }

  /** `POST …/aliases/{alias}/rollback`: back to where the alias pointed before its latest move. */
  rollback(name: string, alias: string, options: MutationOptions = {}): Promise<AliasInfo> {
    return this.#mutate('POST', `api/models/${segment(name)}/aliases/${segment(alias)}/rollback`, options);
  }

  /** `DELETE …/aliases/{alias}` */
  async deleteAlias(name: string, alias: string, options: MutationOptions = {}): Promise<void> {
    await this.#json('DELETE', `api/models/${segment(name)}/aliases/${segment(alias)}`, {
      signal: options.signal,
      headers: idempotencyHeader(options),
      empty: true,
    });
  }

  /** `GET /api/models/{name}/aliases` */
  async listAliases(name: string, options?: CallOptions): Promise<AliasInfo[]> {
    return (
      await this.#json<{ aliases: AliasInfo[] }>('GET', `api/models/${segment(name)}/aliases`, { ...options })
    ).aliases;
  }

  /** `GET …/aliases/{alias}/history`: newest first. */
  async aliasHistory(name: string, alias: string, options?: CallOptions): Promise<AliasHistoryEntry[]> {
    const path = `api/models/${segment(name)}/aliases/${segment(alias)}/history`;
    return (await this.#json<{ history: AliasHistoryEntry[] }>('GET', path, { ...options })).history;
  }

  /**
   * `POST /api/models/{name}/predict` for a tabular model: one row of named features, or several.
   *
   * @example
   * await client.predict('iris', [{ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }],
   *   { alias: 'staging', topK: 2 });
   */
  predict(
    name: string,
    inputs: FeatureRow | FeatureRow[],
    options: PredictOptions = {},
  ): Promise<PredictResponse> {
    const { topK, ...rest } = options;
    return this.#predict(name, topK === undefined ? { inputs } : { inputs, topK }, rest);
  }

  /**
   * `POST /api/models/{name}/predict` for an image model: PNG, JPEG, WebP or GIF bytes, one or several
   * pictures (sent as base64 JSON). A string is taken as base64 already, or a `data:` URL (a canvas's
   * `toDataURL()`), and sent as it is.
   */
  async predictImage(
    name: string,
    image: ImageInput | ImageInput[],
    options: PredictOptions = {},
  ): Promise<PredictResponse> {
    const { topK, ...rest } = options;
    const encode = (one: ImageInput) => (typeof one === 'string' ? one : toBase64(one));
    const encoded = Array.isArray(image)
      ? { images: await Promise.all(image.map(encode)) }
      : { image: await encode(image) };
    return this.#predict(name, topK === undefined ? encoded : { ...encoded, topK }, rest);
  }

  /** `POST /v2/models/{name}[/versions/{v}]/infer`: an Open Inference Protocol v2 request, as is. */
  infer(name: string, request: OipInferRequest, options: InferOptions = {}): Promise<OipInferResponse> {
    const { version, signal } = options;
    return this.#json('POST', `v2/models/${segment(name)}${versionPath(version)}/infer`, {
      signal,
      json: request,
    });
  }

  /** `GET /v2`: the OIP server metadata. */
  serverMetadata(options?: CallOptions): Promise<OipServerMetadata> {
    return this.#json('GET', 'v2', { ...options });
  }

  /** `GET /health/live`: `{ status: 'ok' }` while the process is up. */
  health(options?: CallOptions): Promise<HealthStatus> {
    return this.#json('GET', 'health/live', { ...options });
  }

  /** `GET /health/ready`: resolves with `status: 'not_ready'` (not a throw) when the server answers 503. */
  ready(options?: CallOptions): Promise<HealthStatus> {
    return this.#json('GET', 'health/ready', { ...options, alsoOk: [503] });
  }

  /** `GET /v2/health/live` (OIP): `{ live: true }` while the process is up. */
  serverLive(options?: CallOptions): Promise<{ live: boolean }> {
    return this.#json('GET', 'v2/health/live', { ...options });
  }

  /** `GET /v2/health/ready` (OIP): resolves with `ready: false` (not a throw) when the server answers 503. */
  serverReady(options?: CallOptions): Promise<{ ready: boolean }> {
    return this.#json('GET', 'v2/health/ready', { ...options, alsoOk: [503] });
  }

  /** `GET /v2/models/{name}[/versions/{v}]`: the OIP model metadata (versions, inputs, outputs). */
  modelMetadata(name: string, options: InferOptions = {}): Promise<OipModelMetadata> {
    const { version, signal } = options;
    return this.#json('GET', `v2/models/${segment(name)}${versionPath(version)}`, { signal });
  }

  /**
   * `GET /v2/models/{name}[/versions/{v}]/ready`: loads the version if needed. A version that cannot
   * load throws (503, `HTTP_503`), an unknown one 404.
   */
  modelReady(name: string, options: InferOptions = {}): Promise<OipModelReady> {
    const { version, signal } = options;
    return this.#json('GET', `v2/models/${segment(name)}${versionPath(version)}/ready`, { signal });
  }

  // Serving config and observability.

  /** `GET …/versions/{version}/serving-config`: what is stored, and the settings in effect. */
  getServingConfig(name: string, version: number, options?: CallOptions): Promise<ServingConfigView> {
    return this.#json('GET', `${versionPathOf(name, version)}/serving-config`, { ...options });
  }

  /**
   * `PUT …/versions/{version}/serving-config`: replaces the config (unset fields take the defaults).
   *
   * @example
   * await client.setServingConfig('iris', 1, { maxBatchSize: 32, maxQueueDelayMs: 2 });
   */
  setServingConfig(
    name: string,
    version: number,
    config: ServingConfig,
    options: MutationOptions = {},
  ): Promise<ServingConfigView> {
    return this.#mutate('PUT', `${versionPathOf(name, version)}/serving-config`, options, config);
  }

  /** `GET /api/models/{name}/prediction-logging` */
  getPredictionLogging(name: string, options?: CallOptions): Promise<PredictionLogSettings> {
    return this.#json('GET', `api/models/${segment(name)}/prediction-logging`, { ...options });
  }

  /** `PUT /api/models/{name}/prediction-logging`: fields left out keep their value. */
  setPredictionLogging(
    name: string,
    settings: Partial<PredictionLogSettings>,
    options: MutationOptions = {},
  ): Promise<PredictionLogSettings> {
    return this.#mutate('PUT', `api/models/${segment(name)}/prediction-logging`, options, settings);
  }

  /** `GET /api/models/{name}/predictions`: logged predictions, newest first; pass `nextCursor` as `cursor`. */
  listPredictions(name: string, query: PredictionQuery = {}, options?: CallOptions): Promise<PredictionPage> {
    return this.#json('GET', `api/models/${segment(name)}/predictions`, { ...options, query: { ...query } });
  }

  /** `GET /api/models/{name}/predictions.csv`: the same filters, as CSV text. */
  exportPredictionsCsv(
    name: string,
    query: Omit<PredictionQuery, 'limit'> = {},
    options?: CallOptions,
  ): Promise<string> {
    return this.#text('GET', `api/models/${segment(name)}/predictions.csv`, {
      ...options,
      query: { ...query },
      headers: { accept: 'text/csv' },
    });
  }

  /** `PUT …/versions/{version}/reference`: the drift reference from CSV (one column per feature, optional `label`). */
  setReference(
    name: string,
    version: number,
    csv: string,
    options: MutationOptions = {},
  ): Promise<ReferenceDataset> {
    return this.#json('PUT', `${versionPathOf(name, version)}/reference`, {
      signal: options.signal,
      body: csv,
      headers: { 'content-type': 'text/csv', ...idempotencyHeader(options) },
    });
  }

  /** `POST …/versions/{version}/reference/from-window`: the features logged between `from` and `to` (ISO 8601). */
  setReferenceFromWindow(
    name: string,
    version: number,
    window: { from: string; to: string },
    options: MutationOptions = {},
  ): Promise<ReferenceDataset> {
    return this.#mutate('POST', `${versionPathOf(name, version)}/reference/from-window`, options, window);
  }

  /** `GET …/versions/{version}/reference` (404 `REFERENCE_NOT_FOUND` when there is none). */
  getReference(name: string, version: number, options?: CallOptions): Promise<ReferenceDataset> {
    return this.#json('GET', `${versionPathOf(name, version)}/reference`, { ...options });
  }

  /** `GET /api/models/{name}/drift`: live inputs against the reference (PSI, KS test, labels). */
  drift(name: string, query: DriftQuery = {}, options?: CallOptions): Promise<DriftReport> {
    return this.#json('GET', `api/models/${segment(name)}/drift`, { ...options, query: { ...query } });
  }

  /** `GET /api/metrics/summary`: recent per-model throughput, latency percentiles, errors, queue depth. */
  metricsSummary(options?: CallOptions): Promise<MetricsSummary> {
    return this.#json('GET', 'api/metrics/summary', { ...options });
  }

  /** `GET /metrics`: the Prometheus text exposition. */
  prometheusMetrics(options?: CallOptions): Promise<string> {
    return this.#text('GET', 'metrics', { ...options, headers: { accept: 'text/plain' } });
  }

  #predict(
    name: string,
    body: Record<string, unknown>,
    { version, alias, signal }: Omit<PredictOptions, 'topK'>,
  ): Promise<PredictResponse> {
    return this.#json('POST', `api/models/${segment(name)}/predict`, {
      signal,
      query: { version, alias },
      json: body,
    });
  }

  // Access control (docs/security-access.md): most need a key with the `admin` scope.

  /** `GET /api/session`: who this client is (its key's user and scopes), or anonymous. */
  whoami(options?: CallOptions): Promise<SessionInfo> {
    return this.#json('GET', 'api/session', { ...options });
  }

  /**
   * `POST /api/session`: signs in with a name and password; in a browser the answer sets the session
   * cookie, and its `csrfToken` goes with every change (the `csrfToken` option).
   */
  login(name: string, password: string, options?: CallOptions): Promise<SessionInfo> {
    return this.#json('POST', 'api/session', { ...options, json: { name, password } });
  }

  /** `DELETE /api/session`: signs out (ends the cookie session). */
  async logout(options?: CallOptions): Promise<void> {
    await this.#json('DELETE', 'api/session', { ...options, empty: true });
  }

  /** `POST /api/session/password`: changes the signed-in user's own password. */
  async changePassword(currentPassword: string, newPassword: string, options?: CallOptions): Promise<void> {
    await this.#json('POST', 'api/session/password', {
      ...options,
      json: { currentPassword, newPassword },
      empty: true,
    });
  }

  /** `GET /api/users` (admin) */
  async listUsers(options?: CallOptions): Promise<User[]> {
    return (await this.#json<{ users: User[] }>('GET', 'api/users', { ...options })).users;
  }

  /** `POST /api/users` (admin); without `password` the server generates one and returns it once. */
  createUser(user: NewUser, options?: CallOptions): Promise<UserWithPassword> {
    return this.#json('POST', 'api/users', { ...options, json: user });
  }

  /** `GET /api/users/{name}` (admin) */
  getUser(name: string, options?: CallOptions): Promise<User> {
    return this.#json('GET', `api/users/${segment(name)}`, { ...options });
  }

  /** `PATCH /api/users/{name}` (admin): role, team, or `disabled: true` (ends their sessions and keys). */
  updateUser(name: string, patch: UserPatch, options?: CallOptions): Promise<User> {
    return this.#json('PATCH', `api/users/${segment(name)}`, { ...options, json: patch });
  }

  /** `POST /api/users/{name}/password` (admin): sets `password`, or generates one and returns it once. */
  resetPassword(name: string, password?: string, options?: CallOptions): Promise<UserWithPassword> {
    return this.#json('POST', `api/users/${segment(name)}/password`, {
      ...options,
      json: password === undefined ? {} : { password },
    });
  }

  /** `GET /api/keys`: your keys by prefix; admins may pass `user` or `all`. */
  async listKeys(
    filter: { user?: string; all?: boolean } = {},
    options?: CallOptions,
  ): Promise<ApiKeyInfo[]> {
    const query = { user: filter.user, all: filter.all ? 'true' : undefined };
    return (await this.#json<{ keys: ApiKeyInfo[] }>('GET', 'api/keys', { ...options, query })).keys;
  }

  /**
   * `POST /api/keys`: a new key with scopes no wider than yours; `key` in the answer is shown once.
   *
   * @example
   * const { key } = await admin.createKey({ name: 'ci', scopes: ['models:write'], user: 'ci-bot' });
   */
  createKey(input: NewApiKey, options?: CallOptions): Promise<CreatedApiKey> {
    return this.#json('POST', 'api/keys', { ...options, json: input });
  }

  /** `DELETE /api/keys/{id}`: revoke (yours; admins: any). */
  revokeKey(id: number, options?: CallOptions): Promise<ApiKeyInfo> {
    return this.#json('DELETE', `api/keys/${segment(id)}`, { ...options });
  }

  /** `GET /api/audit` (admin): newest first; pass `nextCursor` as `cursor` for the next page. */
  audit(
    query: AuditQuery = {},
    options?: CallOptions,
  ): Promise<{ items: AuditEntry[]; nextCursor: number | null }> {
    return this.#json('GET', 'api/audit', { ...options, query: { ...query } });
  }

  // The LLM gateway's admin routes (admin); its `/v1` routes speak OpenAI's format for OpenAI clients.

  /** `GET /api/llm/keys/{id}` (admin): a key's LLM settings and what it used this minute, day and month. */
  getLlmKeySettings(id: number, options?: CallOptions): Promise<LlmKeySettingsWithUsage> {
    return this.#json('GET', `api/llm/keys/${segment(id)}`, { ...options });
  }

  /** `PUT /api/llm/keys/{id}` (admin): model allow-list, limits, budgets, content storage (null: the default). */
  setLlmKeySettings(
    id: number,
    settings: LlmKeySettings,
    options: MutationOptions = {},
  ): Promise<LlmKeySettingsWithUsage> {
    return this.#mutate('PUT', `api/llm/keys/${segment(id)}`, options, settings);
  }

  /** `GET /api/llm/usage` (admin): usage totals over the last days, by key, user, model or provider. */
  llmUsage(query: LlmUsageQuery = {}, options?: CallOptions): Promise<LlmUsageTotals> {
    return this.#json('GET', 'api/llm/usage', { ...options, query: { ...query } });
  }

  /** `GET /api/llm/providers`: the configured LLM providers and whether their model lists could be fetched. */
  llmProviders(options?: CallOptions): Promise<LlmProviders> {
    return this.#json('GET', 'api/llm/providers', { ...options });
  }

  /** `GET /api/llm/providers/{name}` (admin): one provider with its settings (never its credential). */
  getLlmProvider(name: string, options?: CallOptions): Promise<LlmProvider> {
    return this.#json('GET', `api/llm/providers/${segment(name)}`, { ...options });
  }

  /** `POST /api/llm/providers` (admin): its models are offered as `<name>/<id>` at once, on every replica. */
  createLlmProvider(provider: NewLlmProvider, options: MutationOptions = {}): Promise<LlmProvider> {
    return this.#mutate('POST', 'api/llm/providers', options, provider);
  }

  /** `PATCH /api/llm/providers/{name}` (admin): a stored provider; env and LLM_CONFIG ones are read-only. */
  updateLlmProvider(
    name: string,
    patch: LlmProviderPatch,
    options: MutationOptions = {},
  ): Promise<LlmProvider> {
    return this.#mutate('PATCH', `api/llm/providers/${segment(name)}`, options, patch);
  }

  /** `DELETE /api/llm/providers/{name}` (admin): refused (PROVIDER_IN_USE) while an alias uses it. */
  async deleteLlmProvider(name: string, options: CallOptions = {}): Promise<void> {
    await this.#json('DELETE', `api/llm/providers/${segment(name)}`, { ...options, empty: true });
  }

  /** `GET /api/llm/aliases` (admin): LLM_CONFIG and stored model aliases. */
  async listLlmAliases(options?: CallOptions): Promise<LlmAlias[]> {
    return (await this.#json<{ aliases: LlmAlias[] }>('GET', 'api/llm/aliases', { ...options })).aliases;
  }

  /** `GET /api/llm/aliases/{name}` (admin) */
  getLlmAlias(name: string, options?: CallOptions): Promise<LlmAlias> {
    return this.#json('GET', `api/llm/aliases/${segment(name)}`, { ...options });
  }

  /** `POST /api/llm/aliases` (admin): weighted deployments and fallbacks over known providers' models. */
  createLlmAlias(alias: NewLlmAlias, options: MutationOptions = {}): Promise<LlmAlias> {
    return this.#mutate('POST', 'api/llm/aliases', options, alias);
  }

  /** `PATCH /api/llm/aliases/{name}` (admin) */
  updateLlmAlias(name: string, patch: LlmAliasPatch, options: MutationOptions = {}): Promise<LlmAlias> {
    return this.#mutate('PATCH', `api/llm/aliases/${segment(name)}`, options, patch);
  }

  /** `DELETE /api/llm/aliases/{name}` (admin) */
  async deleteLlmAlias(name: string, options: CallOptions = {}): Promise<void> {
    await this.#json('DELETE', `api/llm/aliases/${segment(name)}`, { ...options, empty: true });
  }

  // The gateway's `/v1` routes in OpenAI's wire format: errors come in OpenAI's shape
  // (`code` such as `model_not_found`, `invalid_api_key`); OpenAI's own clients work too (`openAIOptions`).

  /**
   * What to give the official `openai` client so that it talks to this server's gateway.
   *
   * @example
   * import OpenAI from 'openai';
   * const openai = new OpenAI(client.openAIOptions());
   */
  openAIOptions(): { baseURL: string; apiKey: string } {
    // The openai client refuses to start without a key; a session-less caller gets the gateway's 401.
    return { baseURL: new URL('v1', this.baseUrl).toString(), apiKey: this.#apiKey ?? 'none' };
  }

  /** `GET /v1/models`: the LLMs and aliases on offer (those your key may use). */
  async llmModels(options?: CallOptions): Promise<LlmModel[]> {
    return (await this.#json<{ data: LlmModel[] }>('GET', 'v1/models', { ...options })).data;
  }

  /**
   * `POST /v1/chat/completions`: one whole completion (with `modelgarden.tools`: after the tools ran;
   * with `modelgarden.collections`: `modelgarden.citations`, the passages it was given).
   */
  chatCompletion(request: ChatCompletionRequest, options?: CallOptions): Promise<ChatCompletion> {
    return this.#json('POST', 'v1/chat/completions', { ...options, json: { ...request, stream: false } });
  }

  /**
   * `POST /v1/chat/completions` with `stream: true`: resolves once the server has accepted the request
   * (an error before the stream starts throws, as for any call) with the server-sent-event body, each
   * `data:` a `ChatCompletionChunk` (or a `ChatStreamError` that ends it), then `data: [DONE]`. Read
   * it with an SSE parser such as `eventsource-parser`; abort `signal` to stop the answer.
   */
  async chatCompletionStream(
    request: ChatCompletionRequest,
    options: CallOptions = {},
  ): Promise<ReadableStream<Uint8Array>> {
    const { response, url } = await this.#open('POST', 'v1/chat/completions', {
      ...options,
      headers: { accept: 'text/event-stream' },
      json: { ...request, stream: true },
    });
    if (!response.body) {
      throw new ModelGardenApiError({
        status: response.status,
        code: 'INVALID_RESPONSE',
        message: `expected an event stream from POST ${url}, got no body`,
        method: 'POST',
        url,
      });
    }
    return response.body;
  }

  // The chat page's stored conversations: the caller's own (a user's session or key with `chat`).

  /** `GET /api/conversations`: your conversations, most recently changed first. */
  async listConversations(options?: CallOptions): Promise<Conversation[]> {
    return (await this.#json<{ conversations: Conversation[] }>('GET', 'api/conversations', { ...options }))
      .conversations;
  }

  /** `POST /api/conversations`: a new conversation (titled from its first question unless named). */
  createConversation(input: NewConversation = {}, options: MutationOptions = {}): Promise<Conversation> {
    return this.#mutate('POST', 'api/conversations', options, input);
  }

  /** `GET /api/conversations/{id}`: one of yours with its messages in order. */
  getConversation(id: string, options?: CallOptions): Promise<ConversationWithMessages> {
    return this.#json('GET', `api/conversations/${segment(id)}`, { ...options });
  }

  /** `PATCH /api/conversations/{id}`: rename it or change its settings (model, prompt, tools, collections…). */
  updateConversation(
    id: string,
    patch: ConversationPatch,
    options: MutationOptions = {},
  ): Promise<Conversation> {
    return this.#mutate('PATCH', `api/conversations/${segment(id)}`, options, patch);
  }

  /** `DELETE /api/conversations/{id}`: the conversation and its messages. */
  async deleteConversation(id: string, options: CallOptions = {}): Promise<void> {
    await this.#json('DELETE', `api/conversations/${segment(id)}`, { ...options, empty: true });
  }

  /** `POST /api/conversations/{id}/messages`: append messages in order. */
  appendMessages(
    id: string,
    messages: NewConversationMessage[],
    options: MutationOptions = {},
  ): Promise<AppendedMessages> {
    return this.#mutate('POST', `api/conversations/${segment(id)}/messages`, options, { messages });
  }

  // Knowledge bases: collections of documents, searched by full text (or hybrid with embeddings).

  /** `GET /api/collections`: the collections you may see. */
  async listCollections(options?: CallOptions): Promise<Collection[]> {
    return (await this.#json<{ collections: Collection[] }>('GET', 'api/collections', { ...options }))
      .collections;
  }

  /** `POST /api/collections`: a new collection (public, or `visibility: 'team'`). */
  createCollection(input: CreateCollection, options: MutationOptions = {}): Promise<Collection> {
    return this.#mutate('POST', 'api/collections', options, input);
  }

  /** `GET /api/collections/{name}`: one collection with its document and chunk counts. */
  getCollection(name: string, options?: CallOptions): Promise<Collection> {
    return this.#json('GET', `api/collections/${segment(name)}`, { ...options });
  }

  /** `DELETE /api/collections/{name}`: the collection, its documents and chunks. */
  async deleteCollection(name: string, options: CallOptions = {}): Promise<void> {
    await this.#json('DELETE', `api/collections/${segment(name)}`, { ...options, empty: true });
  }

  /**
   * `POST /api/collections/{name}/documents`: upload a .txt, .md, .html or .pdf (ingested in the
   * background: poll `getDocument` until `ready` or `failed`).
   *
   * @example
   * const { id } = await client.uploadDocument('handbook', './guide.md', {
   *   onProgress: ({ loaded, total }) => console.log(`${loaded}/${total}`),
   * });
   */
  async uploadDocument(
    name: string,
    file: UploadSource,
    options: CallOptions & {
      /** The file name sent to the server (its extension decides the type); defaults as `pushModel`'s. */
      filename?: string;
      /** Called as the file goes out; in runtimes that cannot stream a body, only at the start and end. */
      onProgress?: (progress: UploadProgress) => void;
    } = {},
  ): Promise<UploadedDocument> {
    const upload = await resolveUpload(file, options.filename);
    return this.#upload(`api/collections/${segment(name)}/documents`, [], upload, {
      signal: options.signal,
      onProgress: options.onProgress,
    });
  }

  /** `GET /api/collections/{name}/documents`: the documents with their ingestion status. */
  async listDocuments(name: string, options?: CallOptions): Promise<CollectionDocument[]> {
    return (
      await this.#json<{ documents: CollectionDocument[] }>(
        'GET',
        `api/collections/${segment(name)}/documents`,
        {
          ...options,
        },
      )
    ).documents;
  }

  /** `GET /api/collections/{name}/documents/{id}`: `processing`, `ready`, or `failed` with the reason. */
  getDocument(name: string, id: string, options?: CallOptions): Promise<CollectionDocument> {
    return this.#json('GET', `api/collections/${segment(name)}/documents/${segment(id)}`, { ...options });
  }

  /** `DELETE /api/collections/{name}/documents/{id}`: the document and its chunks. */
  async deleteDocument(name: string, id: string, options: CallOptions = {}): Promise<void> {
    await this.#json('DELETE', `api/collections/${segment(name)}/documents/${segment(id)}`, {
      ...options,
      empty: true,
    });
  }

  /** `POST /api/collections/{name}/search`: the `k` passages that best answer `query`. */
  searchCollection(name: string, query: string, k?: number, options?: CallOptions): Promise<SearchResponse> {
    return this.#json('POST', `api/collections/${segment(name)}/search`, {
      ...options,
      json: k === undefined ? { query } : { query, k },
    });
  }

  /** `POST /api/collections/{name}/evaluate`: recall@1, recall@5 and MRR against BM25 and an AND query. */
  evaluateCollection(
    name: string,
    questions: EvaluationQuestion[],
    options?: CallOptions,
  ): Promise<RetrievalEvaluation> {
    return this.#json('POST', `api/collections/${segment(name)}/evaluate`, {
      ...options,
      json: { questions },
    });
  }

  /**
   * `GET /api/collections/{name}/evaluation`: the figures of the collection's shipped question set
   * (the demo `docs` collection's), `unavailable` when it has none, `ingesting` until it is ready.
   */
  collectionEvaluation(name: string, options?: CallOptions): Promise<CollectionEvaluation> {
    return this.#json('GET', `api/collections/${segment(name)}/evaluation`, { ...options });
  }

  /** A multipart upload of `upload` as `file` after `fields`: streamed with progress where the runtime can. */
  async #upload<T>(
    path: string,
    fields: MultipartField[],
    upload: ResolvedUpload,
    init: CallOptions & { headers?: Record<string, string>; onProgress?: (progress: UploadProgress) => void },
  ): Promise<T> {
    const { signal, headers = {}, onProgress } = init;
    if (canStreamRequestBodies()) {
      const body = multipartStream(fields, 'file', upload, onProgress);
      return this.#json('POST', path, {
        signal,
        body: body.stream,
        headers: { 'content-type': body.contentType, 'content-length': String(body.length), ...headers },
      });
    }
    const form = new FormData();
    for (const field of fields) form.append(field.name, field.value);
    form.append('file', await upload.blob(), upload.filename);
    onProgress?.({ loaded: 0, total: upload.size });
    const answer = await this.#json<T>('POST', path, { signal, body: form, headers });
    onProgress?.({ loaded: upload.size, total: upload.size });
    return answer;
  }

  #mutate<T>(method: string, path: string, options: MutationOptions, json?: unknown): Promise<T> {
    return this.#json(method, path, { signal: options.signal, headers: idempotencyHeader(options), json });
  }

  async #json<T>(method: string, path: string, init: SendInit): Promise<T> {
    const { response, text, url } = await this.#send(method, path, init);
    if (init.empty && text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new ModelGardenApiError({
        status: response.status,
        code: 'INVALID_RESPONSE',
        message: `expected JSON from ${method} ${url}, got: ${text.slice(0, 200)}`,
        method,
        url,
        cause: error,
      });
    }
  }

  /** A call whose answer is text (CSV, the Prometheus exposition). */
  async #text(method: string, path: string, init: SendInit): Promise<string> {
    return (await this.#send(method, path, init)).text;
  }

  async #send(
    method: string,
    path: string,
    init: SendInit,
  ): Promise<{ response: Response; text: string; url: string }> {
    const { response, url } = await this.#open(method, path, init);
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw new ModelGardenNetworkError(method, url, error);
    }
    return { response, text, url };
  }

  /** Sends the request; a 2xx answer comes back unread, any other is read and thrown as the API's error. */
  async #open(method: string, path: string, init: SendInit): Promise<{ response: Response; url: string }> {
    const url = this.#url(path, init.query);
    const headers: Record<string, string> = { accept: 'application/json', ...this.#headers, ...init.headers };
    if (this.#apiKey) headers.authorization = `Bearer ${this.#apiKey}`;
    const csrf = method !== 'GET' && method !== 'HEAD' ? this.#csrfToken?.() : undefined;
    if (csrf) headers['x-csrf-token'] = csrf;
    let body = init.body;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    }
    const requestInit: RequestInit & { duplex?: 'half' } = { method, headers, body, signal: init.signal };
    if (this.#credentials) requestInit.credentials = this.#credentials;
    // fetch refuses a stream body unless told the request is sent before the answer is read.
    if (body instanceof ReadableStream) requestInit.duplex = 'half';

    let response: Response;
    let text = '';
    try {
      response = await this.#fetch(url, requestInit);
      if (!response.ok && !init.alsoOk?.includes(response.status)) text = await response.text();
    } catch (error) {
      // A cancellation the caller asked for stays the AbortError they expect, not a network failure.
      if (init.signal?.aborted) throw error;
      throw new ModelGardenNetworkError(method, url, error);
    }
    if (!response.ok && !init.alsoOk?.includes(response.status)) {
      const error = ModelGardenApiError.fromResponse(method, url, response.status, response.statusText, text);
      this.#onError?.(error);
      throw error;
    }
    return { response, url };
  }

  #url(path: string, query: Query = {}): string {
    const url = new URL(path, this.baseUrl);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url.toString();
  }
}

function idempotencyHeader(options: MutationOptions): Record<string, string> {
  return options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {};
}

function segment(value: string | number): string {
  return encodeURIComponent(String(value));
}

function versionPath(version: number | string | undefined): string {
  return version === undefined ? '' : `/versions/${segment(version)}`;
}

function versionPathOf(name: string, version: number): string {
  return `api/models/${segment(name)}/versions/${segment(version)}`;
}

// Node (and Bun, Deno) stream request bodies over HTTP/1.1; browsers do not, so they get a FormData body.
function canStreamRequestBodies(): boolean {
  const runtime = globalThis as { process?: { versions?: Record<string, string | undefined> } };
  return typeof runtime.process?.versions?.node === 'string';
}
