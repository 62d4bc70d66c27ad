// Shared set-up for the browser tests: Debian's Chromium through playwright-core, and a real server
// (demo models seeded) on an ephemeral port with a throwaway data directory.

import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { startServer } from '../../server/src/index.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** True when the system Chromium is missing; suites use it with `describe.skipIf`. */
export const noChromium = !existsSync(CHROMIUM_PATH);

/** A suite title that says why the suite is skipped when there is no Chromium, so the report shows it. */
export function suiteTitle(title: string): string {
  return noChromium ? `${title} (skipped: no Chromium at ${CHROMIUM_PATH}; apt-get install chromium)` : title;
}

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const webDist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');

/** The repository's models folder (iris.onnx and friends). */
export const modelsDir = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'models',
);

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

export interface TestServer {
  url: string;
  close(): Promise<void>;
}

/** Starts Model Garden with the demo models on a fresh data directory; close() removes it again. */
export async function startTestServer(
  env: Record<string, string | undefined> = { ...process.env, ANONYMOUS_LOOPBACK_WRITES: 'true' },
): Promise<TestServer> {
  if (!existsSync(path.join(webDist, 'index.html'))) {
    throw new Error(`The web app is not built (${webDist}): run "npm run build -w @modelgarden/web" first.`);
  }
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'modelgarden-e2e-'));
  try {
    const server = await startServer({
      dataDir,
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      env,
    });
    return {
      url: server.url,
      async close() {
        await server.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}
