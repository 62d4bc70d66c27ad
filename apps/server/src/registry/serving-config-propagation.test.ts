/**
 * Regression (issue 14, "Serving config owned by the registry"): a serving-config change made through
 * one process reached only that process's engine; replicas over the same database kept their stale
 * settings until restarted. Now the change is a registry change, and every process that serves the
 * version reconfigures its loaded engine when it next re-reads the version (within the resolve
 * cache's 1 s with a database server). Two in-process servers over one PostgreSQL database.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test-support/test-server.js';

const SERVER_URL = process.env.TEST_DATABASE_URL;
const SETOSA = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };

const predict = (server: TestServer) =>
  fetch(`${server.url}/api/models/iris/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: SETOSA }),
  });

describe.skipIf(!SERVER_URL)('serving config across two processes over one PostgreSQL', () => {
  const dbName = `modelgarden_cfg_${randomUUID().replaceAll('-', '')}`;
  let admin: pg.Client;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: SERVER_URL });
    await admin.connect();
    await admin.query(`create database ${dbName}`);
    const url = new URL(SERVER_URL!);
    url.pathname = `/${dbName}`;
    a = await startTestServer({ databaseUrl: url.toString() });
    // Same database and artifact directory: B finds the demo models A registered.
    b = await startTestServer({ databaseUrl: url.toString(), dataDir: a.dataDir });
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  });

  it("a change through one replica reconfigures the other's loaded engine", async () => {
    expect((await predict(a)).status).toBe(200);
    expect((await predict(b)).status).toBe(200);
    const before = b.context.models.peek('iris', 1);
    expect(before).toBeDefined();
    expect(before!.config.maxBatchSize).not.toBe(3);

    const put = await fetch(`${a.url}/api/models/iris/versions/1/serving-config`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ maxBatchSize: 3, maxQueueDelayMs: 7 }),
    });
    expect(put.status).toBe(200);
    // The process that handled it applied it at once.
    expect(a.context.models.peek('iris', 1)!.config.maxBatchSize).toBe(3);

    // The other one applies it once it re-reads the version (its cache lives 1 s): keep predicting.
    const deadline = Date.now() + 10_000;
    while (b.context.models.peek('iris', 1)?.config.maxBatchSize !== 3 && Date.now() < deadline) {
      expect((await predict(b)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 100));
    }
    const after = b.context.models.peek('iris', 1)!;
    expect(after.config.maxBatchSize).toBe(3);
    expect(after.config.maxQueueDelayMs).toBe(7);

    const view = (await (await fetch(`${b.url}/api/models/iris/versions/1/serving-config`)).json()) as {
      servingConfig: Record<string, unknown>;
      effective: { maxBatchSize: number };
    };
    expect(view.servingConfig).toEqual({ maxBatchSize: 3, maxQueueDelayMs: 7 });
    expect(view.effective.maxBatchSize).toBe(3);
  });
});
