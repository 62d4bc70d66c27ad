/**
 * Keeps the loaded versions: for each, `instances` onnxruntime sessions (verified against the
 * artifact's sha256, warmed up before they take traffic) behind one scheduler, on the event loop's
 * thread (`executor: inline`) or each in its own worker thread (`executor: worker`). Versions load on first
 * use or eagerly (aliases at start, `prepare` before an alias moves) and are retired by draining.
 */
import { availableParallelism } from 'node:os';
import type ort from 'onnxruntime-node';
import { ModelGardenError } from '../errors/model-garden-error.js';
import type { RegistryService } from '../registry/registry-service.js';
import type { ModelVersion, ServingConfig } from '../registry/types.js';
import { isBatchable } from './batching.js';
import { type Clock, performanceClock } from './clock.js';
import { onnxRunner, warmUpInputs } from './onnx-runner.js';
import { openSession, type SessionOptions } from './onnx-session.js';
import { type InstanceRunner, Scheduler, type SchedulerObserver } from './scheduler.js';
import { type EffectiveServingConfig, effectiveServingConfig, needsNewSessions } from './serving-config.js';
import { ServingTuner, type TuningView } from './serving-tuner.js';
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

export interface ModelManagerOptions {
  /** Cores the tuner plans instances × threads for; default os.availableParallelism(). */
  cores?: number;
  /** The tuner's clock (its measurements and decisions); default performance.now(). */
  clock?: Clock;
}

/** The least time between two session changes the tuner makes to one version (a change reloads it). */
const RETUNE_SESSIONS_MIN_MS = 30_000;

export class ModelManager {
  private readonly loaded = new Map<string, Promise<LoadedModel>>();
  /** The settled entries of `loaded`, for callers that must not wait (early load shedding). */
  private readonly ready = new Map<string, LoadedModel>();
  private lastShedAt = Number.NEGATIVE_INFINITY;
  /** Configs set through this process; newer than what a cached registry lookup may carry. */
  private readonly configs = new Map<string, ServingConfig>();
  /** Per version: its measurements and tuned settings, kept across reloads of its sessions. */
  private readonly tuners = new Map<string, { tuner: ServingTuner; sessionsChangedAt: number }>();
  private readonly cores: number;
  private readonly clock: Clock;

  constructor(
    private readonly registry: RegistryService,
    private readonly sessionOptions: SessionOptions,
    private readonly logger: ModelManagerLogger,
    private readonly observer: EngineObserver = NO_OBSERVER,
    options: ModelManagerOptions = {},
  ) {
    this.cores = options.cores ?? availableParallelism();
    this.clock = options.clock ?? performanceClock;
  }

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
    this.tuners.delete(key);
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
    // The tuner re-decides what the new config leaves to it.
    const tuner = this.tuners.get(key)?.tuner;
    if (tuner) this.decide(version, tuner);
    const next = this.plannedConfig(version);
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

  /**
   * The settings the engine uses for a version: a loaded version's own, else what loading it would
   * use (its stored config over the tuned values over the defaults).
   */
  effectiveConfig(version: ModelVersion): EffectiveServingConfig {
    return this.ready.get(keyOf(version.model, version.version))?.config ?? this.plannedConfig(version);
  }

  /** The stored config over the tuned values over the defaults. */
  private plannedConfig(version: ModelVersion): EffectiveServingConfig {
    const tuned = this.tuners.get(keyOf(version.model, version.version))?.tuner.tuned;
    return effectiveServingConfig(this.storedConfig(version), {
      intraOpThreads: this.sessionOptions.intraOpThreads ?? 0,
      ...tuned,
    });
  }

  /** What the tuner measured for a loaded version and what it chose, with reasons; null when not loaded. */
  tuning(version: ModelVersion): TuningView | null {
    return this.tuners.get(keyOf(version.model, version.version))?.tuner.view() ?? null;
  }

  private tunerOf(version: ModelVersion): ServingTuner {
    const key = keyOf(version.model, version.version);
    let entry = this.tuners.get(key);
    if (entry === undefined) {
      const tuner = new ServingTuner(isBatchable(version), this.cores, this.clock, () => this.retune(key));
      entry = { tuner, sessionsChangedAt: Number.NEGATIVE_INFINITY };
      this.tuners.set(key, entry);
    }
    return entry.tuner;
  }

  /** Decides again from the live measurements and applies what changed (queue settings at once; sessions rarely). */
  private retune(key: string): void {
    const loaded = this.ready.get(key);
    const entry = this.tuners.get(key);
    if (!loaded || !entry || loaded.scheduler.draining) return;
    const before = loaded.config;
    const version = { ...loaded.version, servingConfig: this.storedConfig(loaded.version) };
    this.decide(version, entry.tuner);
    const next = this.plannedConfig(version);
    if (needsNewSessions(before, next)) {
      const t = this.clock.now();
      if (t - entry.sessionsChangedAt < RETUNE_SESSIONS_MIN_MS) return;
      entry.sessionsChangedAt = t;
      this.logTuning(version, entry.tuner, 'serving retuned: new sessions');
      this.reconfigure(version).catch((err) =>
        this.logger.error(
          { model: loaded.version.model, version: loaded.version.version, err },
          'retuning failed',
        ),
      );
      return;
    }
    // The turns of a live comparison of batch caps are not logged one by one; its outcome is.
    const compared = entry.tuner.comparisonEnded();
    const changed = next.maxBatchSize !== before.maxBatchSize;
    if (changed) {
      loaded.scheduler.reconfigure(next);
      loaded.config = next;
    }
    if ((changed && !entry.tuner.comparing) || compared)
      this.logTuning(loaded.version, entry.tuner, 'serving retuned');
  }

  private decide(version: ModelVersion, tuner: ServingTuner): void {
    tuner.decide(this.storedConfig(version), { intraOpThreads: this.sessionOptions.intraOpThreads ?? 0 });
  }

  private logTuning(version: ModelVersion, tuner: ServingTuner, msg: string): void {
    const view = tuner.view();
    this.logger.info(
      {
        model: version.model,
        version: version.version,
        cores: view.cores,
        singleRunMs: view.singleRunMs,
        tuning: Object.fromEntries(
          view.decisions.map((d) => [d.setting, { value: d.value, source: d.source, reason: d.reason }]),
        ),
      },
      msg,
    );
  }

  private async dispose(loaded: LoadedModel): Promise<void> {
    await loaded.scheduler.drain();
    await Promise.allSettled(loaded.instances.map((s) => s.release()));
  }

  private async load(version: ModelVersion, adopted?: ort.InferenceSession): Promise<LoadedModel> {
    const started = performance.now();
    const tuner = this.tunerOf(version);
    // A reload (a retune or a config edit) opens sessions beside the old ones, which keep serving:
    // a sweep then would time the new sessions against that traffic (the wide MLP's swept 5.3 ms a
    // run against 0.84 ms live), so the new sessions are measured on live batches instead.
    const besideTraffic = this.loaded.has(keyOf(version.model, version.version));
    // These sessions are measured afresh; the ones they replace, still draining, no longer count.
    const generation = tuner.sessionsChanged();
    // What the tuner chose before (a reload it asked for, or an edit of the config) holds until measured.
    let config = this.plannedConfig(version);
    const instances: EngineInstance[] = [];
    const inThread = (s: ort.InferenceSession): EngineInstance => ({
      run: onnxRunner(s, version.outputs),
      release: () => s.release(),
    });
    const adoptable =
      config.executor === 'inline' && config.intraOpThreads === (this.sessionOptions.intraOpThreads ?? 0);
    if (adopted && adoptable) instances.push(inThread(adopted));
    else if (adopted) await adopted.release();
    let bytes: Uint8Array | undefined;
    const openAll = async (config: EffectiveServingConfig) => {
      if (instances.length >= config.instances) return;
      bytes ??= await this.readVerified(version);
      const options: SessionOptions = {
        ...this.sessionOptions,
        intraOpThreads: config.intraOpThreads,
        interOpThreads: config.interOpThreads,
      };
      if (config.executor === 'worker') {
        const started = await Promise.allSettled(
          Array.from({ length: config.instances }, () => this.openWorker(version, bytes!, options)),
        );
        for (const s of started) if (s.status === 'fulfilled') instances.push(s.value);
        const failed = started.find((s) => s.status === 'rejected');
        if (failed) throw failed.reason;
      } else {
        while (instances.length < config.instances)
          instances.push(inThread((await this.open(version, bytes!, options)).session));
      }
    };
    try {
      await openAll(config);
      await this.warmUp(
        version,
        instances.map((s) => s.run),
      );
      // Measure the batch curve on the real request shape, decide, and open other sessions once if
      // the measurements call for them (a heavy model moves to worker threads before taking traffic).
      for (let pass = 0; pass < 2; pass++) {
        if (besideTraffic || !(await this.sweep(version, tuner, instances[0]!.run))) break;
        this.decide(version, tuner);
        const next = this.plannedConfig(version);
        if (!needsNewSessions(config, next)) {
          config = next;
          break;
        }
        config = next;
        await Promise.allSettled(instances.splice(0).map((s) => s.release()));
        await openAll(config);
        await this.warmUp(
          version,
          instances.map((s) => s.run),
        );
      }
      const runners = instances.map((s) => s.run);
      const scheduler = new Scheduler(
        runners,
        config,
        isBatchable(version),
        this.watchShedding(this.observer.scheduler(version.model, version.version)),
        performanceClock,
        (inputs, rows, ms, waiting) => tuner.observe(inputs, rows, ms, waiting, generation),
      );
      this.logTuning(version, tuner, 'serving tuned');
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

  /**
   * The tuner's sweep of batch sizes on the warm-up shape, when the shape is known and a setting is
   * left to the tuner; false when nothing was measured.
   */
  private async sweep(version: ModelVersion, tuner: ServingTuner, run: InstanceRunner): Promise<boolean> {
    const stored = this.storedConfig(version);
    const open = ['executor', 'instances', 'intraOpThreads', 'maxBatchSize'] as const;
    if (open.every((k) => stored[k] !== undefined)) return false;
    const probe = warmUpInputs(version);
    if (probe === undefined) return false;
    await tuner.sweep(
      run,
      (rows) => warmUpInputs(version, rows)!,
      version.outputs.map((o) => o.name),
    );
    return tuner.view().curve.length > 0;
  }

  /**
   * One inference per instance before it takes traffic, in the shape of real requests; a model that
   * rejects zeros still serves. A model with a dynamic non-batch dimension and no preprocessing
   * config is not warmed (its first request's shape is what the tuner measures).
   */
  private async warmUp(version: ModelVersion, runners: InstanceRunner[]): Promise<void> {
    const inputs = warmUpInputs(version);
    if (inputs === undefined) return;
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
