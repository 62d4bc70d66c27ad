/**
 * Keeps the loaded versions: for each, `instances` onnxruntime sessions (verified against the
 * artifact's sha256, warmed up before they take traffic) behind one scheduler, on the event loop's
 * thread (`executor: inline`) or each in its own worker thread (`executor: worker`). Versions load on first
 * use or eagerly (aliases at start, `prepare` before an alias moves) and are retired by draining.
 */
import type ort from 'onnxruntime-node';
import { ModelGardenError } from '../errors/model-garden-error.js';
import type { RegistryService } from '../registry/registry-service.js';
import type { ModelVersion, ServingConfig } from '../registry/types.js';
import { isBatchable } from './batching.js';
import { onnxRunner, warmUpInputs } from './onnx-runner.js';
import { openSession, type SessionOptions } from './onnx-session.js';
import { type InstanceRunner, Scheduler, type SchedulerObserver } from './scheduler.js';
import { type EffectiveServingConfig, effectiveServingConfig, needsNewSessions } from './serving-config.js';
import { type EngineInstance, startWorkerInstance } from './worker-instance.js';

export interface LoadedModel {
  version: ModelVersion;
  instances: EngineInstance[];
  scheduler: Scheduler;
  config: EffectiveServingConfig;
}

export interface ModelManagerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Measurements the manager reports (wired to Prometheus in the composition root). */
export interface EngineObserver {
  scheduler(model: string, version: number): SchedulerObserver;
  loadedCount(count: number): void;
  /** A request that ended before reaching a scheduler. */
  rejected(model: string, version: number, outcome: 'invalid_input' | 'not_ready'): void;
}

const NO_OBSERVER: EngineObserver = {
  scheduler: () => ({ pending() {}, executed() {}, finished() {} }),
  loadedCount() {},
  rejected() {},
};

const keyOf = (model: string, version: number) => `${model}@${version}`;

export class ModelManager {
  private readonly loaded = new Map<string, Promise<LoadedModel>>();
  /** The settled entries of `loaded`, for callers that must not wait (early load shedding). */
  private readonly ready = new Map<string, LoadedModel>();
  private lastShedAt = Number.NEGATIVE_INFINITY;
  /** Configs set through this process; newer than what a cached registry lookup may carry. */
  private readonly configs = new Map<string, ServingConfig>();

  constructor(
    private readonly registry: RegistryService,
    private readonly sessionOptions: SessionOptions,
    private readonly logger: ModelManagerLogger,
    private readonly observer: EngineObserver = NO_OBSERVER,
  ) {}

  /** Returns the loaded version, loading and warming it once if needed. */
  get(version: ModelVersion): Promise<LoadedModel> {
    if (version.status !== 'ready') {
      return Promise.reject(
        new ModelGardenError(
          'MODEL_NOT_READY',
          `Model "${version.model}" version ${version.version} is ${version.status}: ${version.statusReason ?? 'no reason recorded'}`,
        ),
      );
    }
    const key = keyOf(version.model, version.version);
    let entry = this.loaded.get(key);
    if (!entry) {
      entry = this.load(version);
      this.track(key, entry);
    }
    return entry;
  }

  /** Registers an already-open session (the one used to validate an upload) so it is not opened twice. */
  adopt(version: ModelVersion, session: ort.InferenceSession): void {
    const key = keyOf(version.model, version.version);
    if (this.loaded.has(key)) {
      void session.release();
      return;
    }
    this.track(key, this.load(version, session));
  }

  isLoaded(model: string, version: number): boolean {
    return this.loaded.has(keyOf(model, version));
  }

  /** Version numbers of `model` that have (or are getting) sessions. */
  loadedVersions(model: string): number[] {
    const prefix = `${model}@`;
    return [...this.loaded.keys()]
      .filter((k) => k.startsWith(prefix))
      .map((k) => Number(k.slice(prefix.length)));
  }

  /**
   * Retires a version: new requests stop reaching it at once (a later request loads it afresh),
   * queued and running ones finish, then its sessions are released.
   */
  async retire(model: string, version: number): Promise<void> {
    const key = keyOf(model, version);
    const entry = this.loaded.get(key);
    if (!entry) return;
    this.loaded.delete(key);
    this.ready.delete(key);
    this.observer.loadedCount(this.loaded.size);
    const loaded = await entry.catch(() => undefined);
    if (!loaded) return;
    await this.dispose(loaded);
    this.logger.info({ model, version }, 'model unloaded');
  }

  /**
   * Applies a version's new serving config: queue and batching settings at once; instances and
   * threads by loading new sessions, switching to them, then draining the old ones.
   */
  async reconfigure(version: ModelVersion): Promise<void> {
    const key = keyOf(version.model, version.version);
    this.configs.set(key, version.servingConfig);
    const entry = this.loaded.get(key);
    if (!entry) return;
    const current = await entry;
    const next = this.effectiveConfig(version);
    if (!needsNewSessions(current.config, next)) {
      current.scheduler.reconfigure(next);
      current.config = next;
      current.version = version;
      return;
    }
    const fresh = this.load(version);
    await fresh;
    if (this.loaded.get(key) !== entry) {
      // Retired or replaced meanwhile: the new sessions are not wanted.
      await this.dispose(await fresh);
      return;
    }
    this.track(key, fresh);
    await this.dispose(current);
  }

  /** Loads every version that `alias` points at; returns the failures (readiness depends on none). */
  async preloadAlias(alias: string): Promise<Array<{ model: string; version: number; error: string }>> {
    const failures: Array<{ model: string; version: number; error: string }> = [];
    for (const target of await this.registry.aliasTargets(alias)) {
      try {
        await this.get(await this.registry.getVersion(target.model, target.version));
      } catch (err) {
        failures.push({ ...target, error: err instanceof Error ? err.message : String(err) });
      }
    }
    return failures;
  }

  async close(): Promise<void> {
    const entries = [...this.loaded.values()];
    this.loaded.clear();
    this.ready.clear();
    this.observer.loadedCount(0);
    await Promise.allSettled(entries.map(async (p) => this.dispose(await p)));
  }

  private track(key: string, entry: Promise<LoadedModel>): void {
    this.loaded.set(key, entry);
    this.observer.loadedCount(this.loaded.size);
    entry.then(
      (model) => {
        if (this.loaded.get(key) === entry) this.ready.set(key, model);
      },
      () => {
        if (this.loaded.get(key) === entry) {
          this.loaded.delete(key);
          this.ready.delete(key);
          this.observer.loadedCount(this.loaded.size);
        }
      },
    );
  }

  /** The loaded version's engine if it is loaded and warm now (no waiting), else undefined. */
  peek(model: string, version: number): LoadedModel | undefined {
    return this.ready.get(keyOf(model, version));
  }

  /** Whether any scheduler refused a request for load (queue full or deadline) in the last second. */
  shedRecently(): boolean {
    return performance.now() - this.lastShedAt < 1_000;
  }

  /** Notes the time of every refusal for load, so shedRecently() can tell. */
  private watchShedding(observer: SchedulerObserver): SchedulerObserver {
    return {
      ...observer,
      finished: (outcome, queueSeconds, totalSeconds) => {
        if (outcome === 'queue_full') this.lastShedAt = performance.now();
        observer.finished(outcome, queueSeconds, totalSeconds);
      },
    };
  }

  /** The version's stored serving config, as this process last saw it. */
  storedConfig(version: ModelVersion): ServingConfig {
    return this.configs.get(keyOf(version.model, version.version)) ?? version.servingConfig;
  }

  /** The settings the engine uses for a version: its stored config over the defaults. */
  effectiveConfig(version: ModelVersion): EffectiveServingConfig {
    return effectiveServingConfig(this.storedConfig(version), {
      intraOpThreads: this.sessionOptions.intraOpThreads ?? 0,
    });
  }

  private async dispose(loaded: LoadedModel): Promise<void> {
    await loaded.scheduler.drain();
    await Promise.allSettled(loaded.instances.map((s) => s.release()));
  }

  private async load(version: ModelVersion, adopted?: ort.InferenceSession): Promise<LoadedModel> {
    const started = performance.now();
    const config = this.effectiveConfig(version);
    const instances: EngineInstance[] = [];
    const inThread = (s: ort.InferenceSession): EngineInstance => ({
      run: onnxRunner(s, version.outputs),
      release: () => s.release(),
    });
    if (adopted && config.executor === 'inline') instances.push(inThread(adopted));
    else if (adopted) await adopted.release();
    try {
      if (instances.length < config.instances) {
        const bytes = await this.readVerified(version);
        const options: SessionOptions = {
          ...this.sessionOptions,
          intraOpThreads: config.intraOpThreads,
          interOpThreads: config.interOpThreads,
        };
        if (config.executor === 'worker') {
          const started = await Promise.allSettled(
            Array.from({ length: config.instances }, () => this.openWorker(version, bytes, options)),
          );
          for (const s of started) if (s.status === 'fulfilled') instances.push(s.value);
          const failed = started.find((s) => s.status === 'rejected');
          if (failed) throw failed.reason;
        } else {
          while (instances.length < config.instances)
            instances.push(inThread((await this.open(version, bytes, options)).session));
        }
      }
      const runners = instances.map((s) => s.run);
      await this.warmUp(version, runners);
      const scheduler = new Scheduler(
        runners,
        config,
        isBatchable(version),
        this.watchShedding(this.observer.scheduler(version.model, version.version)),
      );
      this.logger.info(
        {
          model: version.model,
          version: version.version,
          instances: instances.length,
          executor: config.executor,
          ms: Math.round(performance.now() - started),
        },
        'model loaded',
      );
      return { version, instances, scheduler, config };
    } catch (err) {
      await Promise.allSettled(instances.map((s) => s.release()));
      throw err;
    }
  }

  private async readVerified(version: ModelVersion): Promise<Uint8Array> {
    try {
      return await this.registry.readArtifact(version.sha256);
    } catch (err) {
      if (err instanceof ModelGardenError && err.code === 'ARTIFACT_CORRUPT') {
        await this.registry.markFailed(version.model, version.version, err.message);
        this.logger.error(
          { model: version.model, version: version.version, err },
          'artifact failed verification',
        );
      }
      throw err;
    }
  }

  private open(version: ModelVersion, bytes: Uint8Array, options: SessionOptions) {
    return this.opening(version, () => openSession(bytes, options));
  }

  /** A worker-thread instance; a model its worker cannot open fails like one the main thread cannot. */
  private openWorker(version: ModelVersion, bytes: Uint8Array, options: SessionOptions) {
    return this.opening(version, () =>
      startWorkerInstance(bytes, options, version, (err) =>
        this.logger.error(
          { model: version.model, version: version.version, err },
          'inference worker died; starting a new one',
        ),
      ),
    );
  }

  /** Opens a session or instance; one onnxruntime cannot open marks the version failed. */
  private async opening<T>(version: ModelVersion, open: () => Promise<T>): Promise<T> {
    try {
      return await open();
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      await this.registry.markFailed(version.model, version.version, reason);
      throw new ModelGardenError(
        'MODEL_LOAD_FAILED',
        `Model "${version.model}" version ${version.version} failed to load`,
        { cause: err },
      );
    }
  }

  /** One inference per instance before it takes traffic; a model that rejects zeros still serves. */
  private async warmUp(version: ModelVersion, runners: InstanceRunner[]): Promise<void> {
    const inputs = warmUpInputs(version);
    const outputs = version.outputs.map((o) => o.name);
    for (const run of runners) {
      try {
        await run(inputs, outputs);
      } catch (err) {
        this.logger.warn({ model: version.model, version: version.version, err }, 'warm-up inference failed');
        return;
      }
    }
  }
}
