/**
 * The OpenAPI document, built without listening: a throwaway context (embedded database in a temp
 * directory, no demo models), the app, `app.swagger()`. The SDK's types are generated from it
 * (`npm run sdk:generate`), so it is the contract the SDK and the web app compile against.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/config.js';
import { createContext } from '../context.js';
import { loggerFor } from '../logger.js';
import { buildApp } from './app.js';

/** Returns the document /docs/json serves (OpenAPI 3.1). */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'modelgarden-openapi-'));
  try {
    const config = loadConfig({ DATA_DIR: dataDir, SEED_DEMO_MODELS: 'false', LOG_LEVEL: 'silent' });
    const ctx = await createContext(config, loggerFor(config));
    try {
      const app = await buildApp(ctx);
      await app.ready();
      const doc = app.swagger() as unknown as Record<string, unknown>;
      await app.close();
      return doc;
    } finally {
      await ctx.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
