/**
 * The composition root: builds the domain services from the typed config. The HTTP layer receives
 * this context and never constructs services itself.
 */
import path from 'node:path';
import type { Logger } from 'pino';
import { type AuthServices, createAuthServices } from './auth/auth-services.js';
import { createInitialAdmin } from './auth/initial-admin.js';
import type { Config } from './config/config.js';
import { type Database, openDatabase } from './db/database.js';
import { seedDemoModels } from './demo/seed-demo-models.js';
import { ConversationStore } from './llm/conversations.js';
import { createLlmServices, type LlmServices } from './llm/llm-services.js';
import { RetrievalContext } from './llm/retrieval-context.js';
import { ModelTools } from './llm/tools/model-tools.js';
import { ToolLoop } from './llm/tools/tool-loop.js';
import type { DriftService } from './observability/drift-service.js';
import type { LiveMetrics } from './observability/live-metrics.js';
import { createLlmMetrics } from './observability/llm-metrics.js';
import { createMetrics, engineObserver, type Metrics } from './observability/metrics.js';
import { createObservability } from './observability/observability-services.js';
import type { PredictionLogService } from './observability/prediction-log.js';
import { seedObservability } from './observability/seed-observability.js';
import { createTracing, type Tracing } from './observability/tracing.js';
import { type ArtifactStore, FilesystemArtifactStore } from './registry/artifact-store.js';
import { type SweepableStore, sweepArtifacts } from './registry/artifact-sweep.js';
import type { ModelInspector } from './registry/push-version.js';
import { DEFAULT_ALIAS, RegistryService } from './registry/registry-service.js';
import { gatewayEmbedder } from './retrieval/gateway-embedder.js';
import { RetrievalService } from './retrieval/retrieval-service.js';
import { DEMO_COLLECTION, seedDocsCollection } from './retrieval/seed-docs.js';
import { ShippedEvaluations } from './retrieval/shipped-evaluation.js';
import { HotSwap } from './serving/hot-swap.js';
import { InferenceService } from './serving/inference-service.js';
import { ModelManager } from './serving/model-manager.js';
import { openSession } from './serving/onnx-session.js';
import { PredictService } from './serving/predict-service.js';
import { ServingConfigStore } from './serving/serving-config-store.js';
import { SERVICE_VERSION } from './version.js';

export interface AppContext {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  tracing: Tracing;
  predictionLogs: PredictionLogService;
  drift: DriftService;
  liveMetrics: LiveMetrics;
  database: Database;
  /** The filesystem store, or S3 (`ARTIFACT_STORE=s3`). */
  store: ArtifactStore & SweepableStore;
  registry: RegistryService;
  models: ModelManager;
  inference: InferenceService;
  predict: PredictService;
  servingConfig: ServingConfigStore;
  inspect: ModelInspector;
  /** Users, API keys, sessions, audit log. */
  auth: AuthServices;
  /** The LLM gateway: providers, catalog, router, limits, usage (llm/llm-services.ts). */
  llm: LlmServices;
  /** Registered models as LLM/MCP tools, with the caller's permissions (llm/tools/model-tools.ts). */
  tools: ModelTools;
  /** The gateway's server-side tool loop (a chat request's `modelgarden` field). */
  toolLoop: ToolLoop;
  /** The chat page's stored conversations, per user (llm/conversations.ts). */
  conversations: ConversationStore;
  /** Knowledge bases: collections, documents, ingestion, search (retrieval/retrieval-service.ts). */
  retrieval: RetrievalService;
  /** The figures of collections that ship a question set (retrieval/shipped-evaluation.ts). */
  evaluations: ShippedEvaluations;
  /** Set once start-up work (seeding, loading `production` versions) has finished. */
  startup: {
    done: boolean;
    failures: Array<{ model: string; version: number; error: string }>;
    /** Set on SIGTERM: readiness answers 503 so balancers stop sending before the server closes. */
    stopping: boolean;
  };
  /** Starts the observability background jobs (after start-up work). */
  startObservability(): void;
  close(): Promise<void>;
}

/**
 * How long the registry's caches are trusted on an embedded database. Not forever: it bounds how
 * long a change that bypassed the registry's invalidation (a bug) could go unseen.
 */
const EMBEDDED_CACHE_TTL_MS = 60_000;

/** The largest knowledge-base document (MAX_UPLOAD_MB caps it lower). */
const MAX_DOCUMENT_BYTES = 50 * 1024 * 1024;
/** The project's own docs/, the demo collection's source (src/ and dist/ sit at the same depth). */
const DOCS_DIR = path.resolve(import.meta.dirname, '..', '..', '..', 'docs');
/** Its shipped evaluation set, whose figures the collection page shows. */
const DOCS_QUESTIONS = 'bench/retrieval-questions.jsonl';

export async function createContext(config: Config, logger: Logger): Promise<AppContext> {
  const database = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    onIdleError: (err) => logger.warn({ err }, 'idle database connection failed; the pool will reconnect'),
  });
  const { store, closeStore } = await openArtifactStore(config);
  // One process (PGlite) can sweep everything; replicas sharing a server may be mid-push.
  const swept = await sweepArtifacts(database.db, store, { graceMs: config.databaseUrl ? 15 * 60_000 : 0 });
  if (swept.temporary + swept.orphans > 0)
    logger.info(swept, 'swept unfinished uploads and orphaned artifacts');
  // An embedded database is this process's alone: every change goes through this registry, which
  // clears its caches, so they need not expire every second to see other replicas' changes (each
  // refresh is a few queries on the event loop's thread: ~1 % of a small prediction's CPU).
  const registry = new RegistryService(database.db, store, {
    cacheTtlMs: database.kind === 'pglite' ? EMBEDDED_CACHE_TTL_MS : 1000,
  });
  const auth = createAuthServices(database.db, config.auth, registry.access);
  const initialAdmin = await createInitialAdmin(auth.users, config.dataDir);
  if (initialAdmin) {
    // Printed once, on purpose: the only other copy is the 0600 file.
    logger.warn(
      { file: initialAdmin.file },
      `created user "admin" with password ${initialAdmin.password} (also in ${initialAdmin.file}); ` +
        'log in and change it, or reset it with `modelgarden users reset-password admin`',
    );
  }
  const metrics = createMetrics();
  const tracing = await createTracing({ ...config.otel, serviceVersion: SERVICE_VERSION });
  const observability = createObservability(database, metrics, logger, config.jobs);
  const sessionOptions = {
    ...(config.ortIntraOpThreads ? { intraOpThreads: config.ortIntraOpThreads } : {}),
    executionProviders: config.ortExecutionProviders,
  };
  const observer = engineObserver(metrics);
  const models = new ModelManager(registry, sessionOptions, logger, observer);
  const hotSwap = new HotSwap(registry, models, logger);
  const inference = new InferenceService(registry, models, observer);
  // An `api` replica holds no models: inference replicas load a version on its first request.
  const holdsModels = config.role !== 'api';
  registry.prepareTargetsWith(async (versions) => {
    if (!holdsModels) return;
    for (const version of versions) await inference.prepare(version);
  });
  const predict = new PredictService(inference, {
    maxRows: 10_000,
    maxImages: 64,
    maxImagePixels: config.maxImagePixels,
  });
  const llm = createLlmServices(database.db, config.llm, {
    observers: createLlmMetrics(metrics.registry),
    exclusiveDatabase: database.kind === 'pglite',
    redisUrl: config.redisUrl,
    secretKeys: config.secretKeys,
    onError: (what, err) => logger.warn({ err }, `LLM gateway: ${what} failed`),
  });
  const retrieval = new RetrievalService(database.db, {
    maxDocumentBytes: Math.min(config.maxUploadBytes, MAX_DOCUMENT_BYTES),
    ingest: { onError: (err, id) => logger.warn({ err, document: id }, 'document ingestion failed') },
    embeddingModel: config.retrievalEmbeddingModel,
    embed: config.retrievalEmbeddingModel ? gatewayEmbedder(llm.gateway) : undefined,
    onVectorSupport: (support) =>
      support.kind === 'hnsw'
        ? logger.info({ pgvector: support.version }, 'knowledge bases: embeddings in pgvector HNSW indexes')
        : logger.warn(
            { reason: support.reason },
            'knowledge bases: no pgvector, embeddings are ranked exactly over the stored vectors',
          ),
  });
  const tools = new ModelTools({ registry, predict, inference });
  const inspect: ModelInspector = async (bytes) => {
    const loaded = await openSession(bytes, sessionOptions);
    return {
      inputs: loaded.inputs,
      outputs: loaded.outputs,
      adopt: (version) =>
        holdsModels ? models.adopt(version, loaded.session) : void loaded.session.release(),
      release: () => loaded.session.release(),
    };
  };
  return {
    config,
    logger,
    metrics,
    tracing,
    predictionLogs: observability.predictionLogs,
    drift: observability.drift,
    liveMetrics: observability.liveMetrics,
    startObservability: () =>
      observability.startJobs(async (model) => (await registry.resolve(model)).version),
    database,
    store,
    registry,
    models,
    inference,
    predict,
    servingConfig: new ServingConfigStore(registry, models),
    inspect,
    auth,
    llm,
    tools,
    toolLoop: new ToolLoop(llm.gateway, tools, new RetrievalContext(retrieval)),
    conversations: new ConversationStore(database.db),
    retrieval,
    evaluations: new ShippedEvaluations(
      retrieval,
      new Map(
        config.seedDemoModels
          ? [[DEMO_COLLECTION, { file: path.resolve(DOCS_DIR, '..', DOCS_QUESTIONS), label: DOCS_QUESTIONS }]]
          : [],
      ),
    ),
    startup: { done: false, failures: [], stopping: false },
    async close() {
      hotSwap.close();
      await retrieval.close();
      await llm.close();
      await observability.close();
      await models.close();
      await auth.close();
      await database.close();
      await tracing.shutdown();
      closeStore();
    },
  };
}

/**
 * The artifact store `ARTIFACT_STORE` names; S3 stages uploads under `DATA_DIR/staging`. The AWS SDK
 * loads only for S3 (~150 ms of imports a filesystem store's start skips).
 */
async function openArtifactStore(
  config: Config,
): Promise<{ store: ArtifactStore & SweepableStore; closeStore(): void }> {
  const options = config.artifactStore;
  if (options.kind === 'fs') {
    return { store: new FilesystemArtifactStore(path.join(config.dataDir, 'artifacts')), closeStore() {} };
  }
  const { createS3Client, S3ArtifactStore } = await import('./registry/s3-artifact-store.js');
  const client = createS3Client(options);
  const stagingDir = path.join(config.dataDir, 'staging');
  return {
    store: new S3ArtifactStore(client, { bucket: options.bucket, prefix: options.prefix, stagingDir }),
    closeStore: () => client.destroy(),
  };
}

/** Start-up work after the server listens: demo models, then every `production` version loaded. */
export async function warmUp(ctx: AppContext): Promise<void> {
  if (ctx.config.seedDemoModels) {
    await seedDemoModels(ctx.config.modelsDir, ctx.registry, ctx.store, ctx.inspect, ctx.logger);
  }
  if (ctx.config.seedDemoModels) await seedObservability(ctx.config.modelsDir, ctx);
  ctx.startObservability();
  await ctx.retrieval.start(ctx.database.kind === 'pglite');
  if (ctx.config.seedDemoModels) {
    const queued = await seedDocsCollection(ctx.retrieval, DOCS_DIR).catch((err: unknown) => {
      ctx.logger.warn({ err }, 'could not seed the docs collection');
      return 0;
    });
    if (queued > 0) ctx.logger.info({ documents: queued }, 'seeding the docs knowledge base');
  }
  // Not awaited: a provider that is down must not hold up readiness (its models list when it answers).
  void ctx.llm.start();
  if (ctx.config.role !== 'api') ctx.startup.failures = await ctx.models.preloadAlias(DEFAULT_ALIAS);
  for (const f of ctx.startup.failures) ctx.logger.error(f, 'production model failed to load');
  ctx.startup.done = true;
}
