/**
 * First-start observability for the demo: iris logs a sample of its predictions and is compared
 * with the training split it ships (models/iris/reference.csv), so the drift page has something to
 * show. A model whose settings already exist is left as its owner set it.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { RegistryService } from '../registry/registry-service.js';
import type { DriftService } from './drift-service.js';
import type { PredictionLogService } from './prediction-log.js';

/**
 * The demo's sample rate: enough rows for drift within minutes of traffic, at a cost to iris's
 * throughput under 5 % (`npm run bench -- logging`, bench/RESULTS.md).
 */
export const DEMO_SAMPLE_RATE = 0.05;

export async function seedObservability(
  modelsDir: string,
  ctx: { registry: RegistryService; predictionLogs: PredictionLogService; drift: DriftService },
): Promise<void> {
  const model = 'iris';
  const file = path.join(modelsDir, model, 'reference.csv');
  if (!existsSync(file) || !(await ctx.registry.modelExists(model))) return;
  const version = await ctx.registry.resolve(model);
  if (!(await ctx.drift.getReference(model, version.version)) && version.featureNames) {
    await ctx.drift.setReferenceFromCsv(
      model,
      version.version,
      await readFile(file, 'utf8'),
      version.featureNames,
    );
  }
  if (!(await ctx.predictionLogs.hasSettings(model))) {
    await ctx.predictionLogs.setSettings(model, { enabled: true, sampleRate: DEMO_SAMPLE_RATE });
  }
}
