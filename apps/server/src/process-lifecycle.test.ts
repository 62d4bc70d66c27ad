/**
 * The real process (`main.ts`): it starts on a fresh data directory, registers the demo models once
 * (a restart registers nothing twice), and on SIGTERM finishes in-flight requests and exits 0.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMainProcess, waitReady } from './test-support/child-server.js';

let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'modelgarden-proc-'));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

const startProcess = () => startMainProcess(dataDir);

const predict = (url: string) =>
  fetch(`${url}/api/models/iris/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      inputs: { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 },
    }),
  });

describe('server process', () => {
  it('drains in-flight requests on SIGTERM and exits 0', async () => {
    const { child, url, exited } = await startProcess();
    await waitReady(url);
    const inFlight = Array.from({ length: 20 }, () => predict(url).then((r) => r.status));
    await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGTERM');
    const statuses = await Promise.all(inFlight.map((p) => p.catch(() => 'refused')));
    // Requests that reached the server before SIGTERM complete; none fails half-way.
    expect(statuses.filter((s) => s !== 200 && s !== 'refused')).toEqual([]);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
    expect(await exited).toBe(0);
  });

  it('registers the demo models once across restarts', async () => {
    const { child, url, exited } = await startProcess();
    await waitReady(url);
    const models = (await (await fetch(`${url}/api/models`)).json()) as {
      models: Array<{ name: string; versionCount: number }>;
    };
    expect(models.models.map((m) => [m.name, m.versionCount])).toEqual([
      ['digits', 1],
      ['iris', 1],
    ]);
    expect((await predict(url)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
