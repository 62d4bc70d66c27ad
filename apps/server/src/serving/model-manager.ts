/**
 * Keeps onnxruntime sessions for registry versions: loaded on first use (or eagerly for aliases
 * such as `production` at start), shared by concurrent requests, verified against the artifact's
 * sha256 before loading.
 */
import type ort from 'onnxruntime-node';
import { ModelGardenError } from '../errors/model-garden-error.js';
import type { RegistryService } from '../registry/registry-service.js';
import type { ModelVersion } from '../registry/types.js';
import { openSession, type SessionOptions } from './onnx-session.js';

export interface LoadedModel {
  version: ModelVersion;
  session: ort.InferenceSession;
}

export interface ModelManagerLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const keyOf = (model: string, version: number) => `${model}@${version}`;

export class ModelManager {
  private readonly loaded = new Map<string, Promise<LoadedModel>>();

  constructor(
    private readonly registry: RegistryService,
    private readonly sessionOptions: SessionOptions,
    private readonly logger: ModelManagerLogger,
  ) {}

  /** Returns the loaded session for a version, loading it once if needed. */
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
      this.loaded.set(key, entry);
      entry.catch(() => this.loaded.delete(key));
    }
    return entry;
  }

  /** Registers an already-open session (the one used to validate an upload) so it is not opened twice. */
  adopt(version: ModelVersion, session: ort.InferenceSession): void {
    this.loaded.set(keyOf(version.model, version.version), Promise.resolve({ version, session }));
  }

  isLoaded(model: string, version: number): boolean {
    return this.loaded.has(keyOf(model, version));
  }

  private async load(version: ModelVersion): Promise<LoadedModel> {
    const started = performance.now();
    let bytes: Uint8Array;
    try {
      bytes = await this.registry.readArtifact(version.sha256);
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
    try {
      const { session } = await openSession(bytes, this.sessionOptions);
      this.logger.info(
        { model: version.model, version: version.version, ms: Math.round(performance.now() - started) },
        'model loaded',
      );
      return { version, session };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      await this.registry.markFailed(version.model, version.version, reason);
      throw new ModelGardenError(
        'MODEL_LOAD_FAILED',
        `Model "${version.model}" version ${version.version} failed to load`,
        {
          cause: err,
        },
      );
    }
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
    await Promise.allSettled(entries.map(async (p) => (await p).session.release()));
  }
}
