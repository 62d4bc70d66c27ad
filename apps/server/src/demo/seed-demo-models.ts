/**
 * Registers the demo models shipped in models/ (iris, digits) on first start and points
 * `production` at them. Idempotent: a model that already exists is left alone. Safe when replicas
 * start together: each first claims the name by creating the empty model, and only the replica whose
 * insert won pushes the version (two checking "does it exist?" at once would both push, making
 * versions 1 and 2).
 */
import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { ModelGardenError } from '../errors/model-garden-error.js';
import type { ArtifactStore } from '../registry/artifact-store.js';
import { type ModelInspector, pushVersion } from '../registry/push-version.js';
import { DEFAULT_ALIAS, type RegistryService } from '../registry/registry-service.js';
import { readVersionMetadata } from '../registry/version-metadata.js';

export const DEMO_MODELS = ['iris', 'digits'] as const;

export interface SeedLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export async function seedDemoModels(
  modelsDir: string,
  registry: RegistryService,
  store: ArtifactStore,
  inspect: ModelInspector,
  logger: SeedLogger,
): Promise<string[]> {
  const seeded: string[] = [];
  for (const name of DEMO_MODELS) {
    const file = path.join(modelsDir, name, `${name}.onnx`);
    if (!existsSync(file)) {
      logger.warn({ file }, 'demo model file missing; skipped');
      continue;
    }
    if (await registry.modelExists(name)) continue;
    if (!(await claim(registry, name))) continue;
    const meta = await readVersionMetadata(path.join(modelsDir, name, 'metadata.json'));
    const staged = await store.stage(createReadStream(file), Number.MAX_SAFE_INTEGER);
    try {
      const version = await pushVersion(registry, inspect, name, staged, meta);
      await registry.setAlias(name, DEFAULT_ALIAS, version.version);
      seeded.push(name);
      logger.info({ model: name, version: version.version }, 'demo model registered');
    } finally {
      await store.discard(staged);
    }
  }
  return seeded;
}

/** Creates the model, empty; false when it exists already (another replica is seeding it). */
async function claim(registry: RegistryService, name: string): Promise<boolean> {
  try {
    await registry.createModel(name, {});
    return true;
  } catch (err) {
    if (err instanceof ModelGardenError && err.code === 'MODEL_EXISTS') return false;
    throw err;
  }
}
