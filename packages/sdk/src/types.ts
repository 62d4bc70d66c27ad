// The request and answer shapes of the Model Garden HTTP API. Each is an alias of a type generated
// from the server's OpenAPI document (./generated/openapi.ts, `npm run sdk:generate`), so the SDK
// cannot drift from the server. A few are narrowed where the wire type is looser than what the
// server sends (a prediction row is one of two shapes); those are built from the generated types too.

import type { components, operations, paths } from './generated/openapi.js';

type Schemas = components['schemas'];
/** The JSON answer of `method path` with status `status`. */
type Answer<P extends keyof paths, M extends keyof paths[P], S extends number = 200> = paths[P][M] extends {
  responses: { [K in S]: { content: { 'application/json': infer T } } };
}
  ? T
  : never;
/** The query parameters of `method path`. */
type QueryOf<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  parameters: { query?: infer Q };
}
  ? NonNullable<Q>
  : never;

/** Every operation of the API, keyed by its generated name. */
export type Operations = operations;
export type { components, paths };

export type TensorSpec = Schemas['TensorSpec'];
/** An ONNX / Open Inference Protocol tensor element type. */
export type Datatype = TensorSpec['datatype'];
export type Task = Schemas['ModelVersion']['task'];
/** How the server turns a picture into the model's input tensor. */
export type ImagePreprocessing = Schemas['ImagePreprocessing'];
/** Per-version serving settings (batching, queue, deadline, instances, threads); unset fields take the defaults. */
export type ServingConfig = Schemas['ServingConfig'];
/** The settings the engine uses for a version. */
export type EffectiveServingConfig = Schemas['EffectiveServingConfig'];
/** `GET|PUT /api/models/{name}/versions/{v}/serving-config` */
export type ServingConfigView = Schemas['ServingConfigView'];
/** What the engine measured for a loaded version and what it chose for each setting left unset. */
export type ServingTuning = NonNullable<ServingConfigView['tuning']>;
export type ModelVersion = Schemas['ModelVersion'];
/** How a version's inputs differ from another's. */
export type SchemaDiff = SchemaChange['diff'];
export type SchemaChange = Schemas['SchemaChange'];
export type ModelSummary = Schemas['ModelSummary'];
export type ModelDetail = Schemas['ModelDetail'];
/** `GET /api/models` */
export type ModelList = Schemas['ModelList'];
/** Filters and paging for `GET /api/models`. */
export type ModelQuery = QueryOf<'/api/models', 'get'>;
/** An alias: its primary `version`, every target, and the shadow. */
export type AliasInfo = Schemas['AliasInfo'];
export type AliasRoute = Pick<AliasInfo, 'targets' | 'shadow'>;
/** A version an alias sends traffic to; weights are relative (90 and 10 split 90/10). */
export type AliasTarget = AliasInfo['targets'][number];
/** A version that receives a copy of `percent` % of the traffic; its answers are only logged. */
export type ShadowTarget = NonNullable<AliasInfo['shadow']>;
/** One alias move. */
export type AliasHistoryEntry = Schemas['AliasHistoryEntry'];
/** `PUT /api/models/{name}/aliases/{alias}` */
export type AliasAssignment = AliasInfo;
/** A metadata edit: fields left out keep their value; null clears. */
export type VersionMetadataPatch = Schemas['VersionMetadataPatchInput'];
/**
 * The optional `metadata` part of a push. Anything left out is read from the ONNX graph or inferred;
 * preprocessing fields other than `type`, `width` and `height` fall back to the server's defaults.
 */
export type PushMetadata = Schemas['PushMetadataInput'];
/** `DELETE /api/models/{name}/versions/{v}` */
export type DeletedVersion = Schemas['DeletedVersion'];

/** The body of `POST /api/models/{name}/predict` as JSON. */
export type PredictRequest = Schemas['PredictRequestInput'];
/** One tabular row: feature name → value. */
export type FeatureRow = Record<string, number>;
/** `POST /api/models/{name}/predict` with JSON rows. */
export type TabularPredictRequest = Pick<PredictRequest, 'topK'> & { inputs: FeatureRow | FeatureRow[] };
/** `POST /api/models/{name}/predict` with base64 (or `data:` URL) pictures. */
export type ImagePredictRequest = Pick<PredictRequest, 'topK'> &
  (Required<Pick<PredictRequest, 'image'>> | Required<Pick<PredictRequest, 'images'>>);
export type PredictResponse = Omit<Schemas['PredictResult'], 'predictions'> & { predictions: Prediction[] };
type PredictionRow = Schemas['PredictResult']['predictions'][number];
export type LabelProbability = NonNullable<PredictionRow['probabilities']>[number];
/** A classification row. `probabilities` is sorted high to low and cut to `topK`. */
export type ClassificationPrediction = Required<
  Pick<PredictionRow, 'label' | 'probability' | 'probabilities'>
>;
/** A regression row: `value` for one output column, `values` for several. */
export type RegressionPrediction =
  | Required<Pick<PredictionRow, 'value'>>
  | Required<Pick<PredictionRow, 'values'>>;
export type Prediction = ClassificationPrediction | RegressionPrediction;

/** `GET /health/live` and `GET /health/ready`. */
export type HealthStatus = Schemas['HealthLive'] | Schemas['HealthReady'];

// Observability: prediction logging, drift, live metrics.

/** `GET|PUT /api/models/{name}/prediction-logging` */
export type PredictionLogSettings = Schemas['PredictionLogSettings'];
/** One logged prediction. */
export type LoggedPrediction = Schemas['LoggedPrediction'];
/** `GET /api/models/{name}/predictions`: newest first; pass `nextCursor` as `cursor` for the next page. */
export type PredictionPage = Schemas['PredictionPage'];
/** Filters of `GET /api/models/{name}/predictions` (and its CSV form). */
export type PredictionQuery = QueryOf<'/api/models/{name}/predictions', 'get'>;
/** A version's reference dataset (what drift reports compare live inputs with). */
export type ReferenceDataset = Schemas['ReferenceDataset'];
/** `GET /api/models/{name}/drift` */
export type DriftReport = Schemas['DriftReport'];
export type FeatureDrift = DriftReport['features'][number];
export type DriftQuery = QueryOf<'/api/models/{name}/drift', 'get'>;
/** `GET /api/metrics/summary` */
export type MetricsSummary = Schemas['MetricsSummary'];
export type MetricsPoint = Schemas['MetricsPoint'];

// Open Inference Protocol v2 (KServe / Triton REST).

type WireInferInput = Schemas['InferenceRequestInput']['inputs'][number];
type WireInferOutput = Schemas['InferenceResponse']['outputs'][number];
export type OipParameters = NonNullable<Schemas['InferenceRequestInput']['parameters']>;
export type OipTensorData = number[] | string[] | boolean[] | number[][] | string[][] | boolean[][];
/** A JSON input tensor (the wire type also allows binary data, which this client does not send). */
export type OipInferInput = Omit<WireInferInput, 'datatype' | 'data'> & {
  datatype: Datatype;
  data: OipTensorData;
};
export type OipRequestedOutput = NonNullable<Schemas['InferenceRequestInput']['outputs']>[number];
export type OipInferRequest = Omit<Schemas['InferenceRequestInput'], 'inputs'> & { inputs: OipInferInput[] };
export type OipInferOutput = Omit<WireInferOutput, 'datatype'> & { datatype: Datatype };
export type OipInferResponse = Omit<Schemas['InferenceResponse'], 'outputs'> & { outputs: OipInferOutput[] };
/** `GET /v2` */
export type OipServerMetadata = Schemas['OipServerMetadata'];
/** `GET /v2/models/{name}[/versions/{v}]` */
export type OipModelMetadata = Schemas['OipModelMetadata'];
/** `GET /v2/models/{name}[/versions/{v}]/ready` */
export type OipModelReady = Schemas['OipModelReady'];

// Access control: users, API keys, sessions, audit (docs/security-access.md).

export type User = Schemas['User'];
export type Role = User['role'];
export type Scope = Schemas['ApiKey']['scopes'][number];
export type NewUser = Schemas['CreateUserBodyInput'];
export type UserPatch = Schemas['UpdateUserBodyInput'];
/** A user with the password the server generated for them (present only then; shown once). */
export type UserWithPassword = Schemas['UserWithPassword'];
/** A key as listed: `prefix` tells keys apart; the key itself is never shown again. */
export type ApiKeyInfo = Schemas['ApiKey'];
export type NewApiKey = Schemas['CreateKeyBodyInput'];
/** The answer to creating a key: `key` is shown this once. */
export type CreatedApiKey = Schemas['CreatedApiKey'];
/** `GET /api/session`: who the caller is. */
export type SessionInfo = Schemas['Session'];
export type AuditEntry = Schemas['AuditEntry'];
export type AuditQuery = QueryOf<'/api/audit', 'get'>;
/** `GET /api/audit` */
export type AuditPage = Schemas['AuditPage'];

// The LLM gateway's admin routes (its `/v1` routes speak OpenAI's wire format: use any OpenAI client).

/** An API key's LLM settings: model allow-list, limits, budgets, content storage (null: the default). */
export type LlmKeySettings = Schemas['LlmKeySettingsInput'];
/** `GET|PUT /api/llm/keys/{id}`: the settings with what the key used this minute, day and month. */
export type LlmKeySettingsWithUsage = Schemas['LlmKeySettingsWithUsage'];
/** `GET /api/llm/usage` */
export type LlmUsageTotals = Schemas['LlmUsageTotals'];
export type LlmUsageQuery = QueryOf<'/api/llm/usage', 'get'>;
/** `GET /api/llm/providers`: every provider; admins also get settings (never a credential). */
export type LlmProviders = Schemas['LlmProviders'];
/** One provider as admins see it: source (env, file, database), status, settings, `hasApiKey`. */
export type LlmProvider = Schemas['LlmProvider'];
/** `POST /api/llm/providers`: `apiKey` is stored encrypted and never returned. */
export type NewLlmProvider = Schemas['NewLlmProvider'];
/** `PATCH /api/llm/providers/{name}`: `apiKey` null removes it, left out keeps it. */
export type LlmProviderPatch = Schemas['LlmProviderPatch'];
/** A model alias: weighted deployments and ordered fallbacks (`<provider>/<model id>`). */
export type LlmAlias = Schemas['LlmAlias'];
export type NewLlmAlias = Schemas['NewLlmAliasInput'];
export type LlmAliasPatch = Schemas['LlmAliasPatchInput'];
/** The body of `POST /v1/chat/completions` (OpenAI's, with Model Garden's `modelgarden` field). */
export type ChatCompletionRequest =
  paths['/v1/chat/completions']['post']['requestBody']['content']['application/json'];
export type ChatMessage = ChatCompletionRequest['messages'][number];

// The chat page's stored conversations (the caller's own).

/** A conversation's title and settings, with how many messages it holds. */
export type Conversation = Schemas['Conversation'];
/** `GET /api/conversations/{id}`: the conversation with its messages in order. */
export type ConversationWithMessages = Schemas['ConversationWithMessages'];
export type ConversationMessage = Schemas['ConversationMessage'];
export type NewConversation = Schemas['CreateConversationBodyInput'];
/** Title, model, system prompt, temperature, tools, collections: fields left out stay, null clears one. */
export type ConversationPatch = Schemas['UpdateConversationBodyInput'];
/** A message to append: a question, or an answer with its model, usage, finish reason and extras. */
export type NewConversationMessage = Schemas['NewConversationMessageInput'];
/** `POST /api/conversations/{id}/messages` */
export type AppendedMessages = Schemas['AppendedMessages'];
/** A passage an answer was given as `[marker]` (chat with collections: `modelgarden.collections`). */
export type Citation = Schemas['Citation'];
/** A tool call of an answer as a conversation keeps it. */
export type ConversationToolCall = Schemas['ConversationToolCall'];
/** A stored message's tool calls and citations. */
export type ConversationMessageExtras = Schemas['ConversationMessageExtras'];

/** The answer type of an operation, for calls this client does not wrap. */
export type ApiAnswer<P extends keyof paths, M extends keyof paths[P], S extends number = 200> = Answer<
  P,
  M,
  S
>;

// Knowledge bases (`/api/collections`).
export type Collection = Schemas['Collection'];
export type CreateCollection = Schemas['CreateCollectionBody'];
export type CollectionDocument = Schemas['CollectionDocument'];
export type UploadedDocument = Schemas['UploadedDocument'];
export type SearchResponse = Schemas['SearchResponse'];
export type SearchResult = Schemas['SearchResult'];
export type EvaluationQuestion = Schemas['EvaluateCollectionBody']['questions'][number];
export type RetrievalEvaluation = Schemas['RetrievalEvaluation'];
/** `GET /api/collections/{name}/evaluation` */
export type CollectionEvaluation = Schemas['CollectionEvaluation'];
