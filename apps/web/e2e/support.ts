// Shared set-up for the browser tests: Debian's Chromium through playwright-core, and a real server
// (demo models seeded) on an ephemeral port with a throwaway data directory. A suite is written as
// `describeInBrowser(title, options, (suite) => { it(...) })`: the helper starts the server and the
// browser before the suite, opens the page(s), closes everything after it, and skips the suite with a
// message when Chromium is missing. The helpers below it read and change what the server holds over
// real HTTP, outside the browser, so a test can check what a click did.

import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe } from 'vitest';
import { startServer } from '../../server/src/index.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** True when the system Chromium is missing; `describeInBrowser` then skips the suite. */
const noChromium = !existsSync(CHROMIUM_PATH);

/** A suite title that says why the suite is skipped when there is no Chromium, so the report shows it. */
function suiteTitle(title: string): string {
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

function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

export interface TestServer {
  url: string;
  close(): Promise<void>;
}

/** Starts Model Garden with the demo models on a fresh data directory; close() removes it again. */
async function startTestServer(
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

/** What a suite's tests use; read it inside a test or hook (the values exist once the suite has started). */
export interface BrowserSuite {
  readonly server: TestServer;
  readonly browser: Browser;
  /** The current test's page, or the suite's one page with `page: 'suite'`. */
  readonly page: Page;
}

export interface BrowserSuiteOptions {
  /** The server's environment; default: this process's, with anonymous loopback writes allowed. */
  env?: Record<string, string | undefined>;
  /**
   * `'test'` (default): a fresh page for each test, closed after it. `'suite'`: one page opened before
   * the first test and shared by all of them in order (for a story told over several tests).
   */
  page?: 'test' | 'suite';
  /** Default 1280 × 900. */
  viewport?: { width: number; height: number };
  /** Runs once the server is up and before the browser starts, e.g. to create users over HTTP. */
  setUp?: (server: TestServer) => Promise<void>;
}

/** The time each test of a browser suite may take, and the time the suite's start may take. */
const TEST_TIMEOUT_MS = 60_000;
const START_TIMEOUT_MS = 120_000;

/**
 * A browser suite: a `describe` that starts a server and Chromium before its tests and stops them
 * after, or is skipped (with the reason in its title) when Chromium is missing.
 */
export function describeInBrowser(
  title: string,
  options: BrowserSuiteOptions,
  body: (suite: BrowserSuite) => void,
): void {
  const { env, page: pageScope = 'test', viewport = { width: 1280, height: 900 }, setUp } = options;
  describe.skipIf(noChromium)(suiteTitle(title), { timeout: TEST_TIMEOUT_MS }, () => {
    let server: TestServer | undefined;
    let browser: Browser | undefined;
    let page: Page | undefined;

    const ready = <T>(value: T | undefined, what: string): T => {
      if (value === undefined) throw new Error(`The browser suite's ${what} is not started yet`);
      return value;
    };

    beforeAll(async () => {
      server = await (env ? startTestServer(env) : startTestServer());
      await setUp?.(server);
      browser = await launchBrowser();
      if (pageScope === 'suite') page = await browser.newPage({ viewport });
    }, START_TIMEOUT_MS);

    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });

    if (pageScope === 'test') {
      beforeEach(async () => {
        page = await ready(browser, 'browser').newPage({ viewport });
      });

      afterEach(async () => {
        await page?.close();
        page = undefined;
      });
    }

    body({
      get server() {
        return ready(server, 'server');
      },
      get browser() {
        return ready(browser, 'browser');
      },
      get page() {
        return ready(page, 'page');
      },
    });
  });
}

/** The bootstrap admin key of suites started with `adminEnv()`. */
export const ADMIN_KEY = 'bootstrap-admin-key-for-the-browser-tests';

/** A server environment with the bootstrap admin key and anonymous loopback writes off (the default). */
export function adminEnv(): Record<string, string | undefined> {
  return { ...process.env, MODELGARDEN_ADMIN_KEY: ADMIN_KEY };
}

export interface ServerCall {
  method?: string;
  /** Sent as JSON, or as it is when a FormData or a string (then with `contentType`). */
  body?: unknown;
  contentType?: string;
  /** Sign the call with the bootstrap admin key (`adminEnv()` suites). */
  admin?: boolean;
}

/**
 * One call to the server outside the browser: its status and its parsed JSON answer (null when empty).
 * @example const { body } = await callServer<{ aliases: unknown[] }>(server, '/api/models/iris/aliases');
 */
export async function callServer<T = unknown>(
  server: TestServer,
  path: string,
  { method = 'GET', body, contentType, admin = false }: ServerCall = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const headers: Record<string, string> = admin ? { authorization: `Bearer ${ADMIN_KEY}` } : {};
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (typeof body === 'string') {
    payload = body;
    headers['content-type'] = contentType ?? 'text/plain';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${server.url}${path}`, { method, headers, body: payload });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T, headers: res.headers };
}

/** Creates a user with the bootstrap admin key (`adminEnv()` suites). */
export async function createUser(
  server: TestServer,
  user: { name: string; role: 'admin' | 'member' | 'viewer'; password: string },
): Promise<void> {
  const { status, body } = await callServer(server, '/api/users', {
    method: 'POST',
    body: user,
    admin: true,
  });
  if (status !== 201) throw new Error(`creating ${user.name} answered ${status}: ${JSON.stringify(body)}`);
}

/** Signs in through the login page and waits until the header shows the user. */
export async function signIn(page: Page, server: TestServer, name: string, password: string): Promise<void> {
  await page.goto(`${server.url}/login`);
  await page.getByLabel('User name').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('signed-in-user').getByText(name).waitFor();
}

/** Pushes models/iris/iris.onnx as the next version of iris (same inputs, so no `force` is needed). */
export async function pushIrisVersion(server: TestServer, options: ServerCall = {}): Promise<number> {
  const form = new FormData();
  const onnx = await readFile(path.join(modelsDir, 'iris', 'iris.onnx'));
  form.append('file', new Blob([onnx]), 'iris.onnx');
  const { status, body } = await callServer<{ version: number }>(server, '/api/models/iris/versions', {
    ...options,
    method: 'POST',
    body: form,
  });
  if (status !== 201) throw new Error(`pushing iris answered ${status}: ${JSON.stringify(body)}`);
  return body.version;
}
