/**
 * Split roles with in-process servers: an `api` replica forwards predictions to two `inference`
 * replicas round robin, moves to the other one when a replica is down, and answers 504 at its deadline.
 * With TEST_DATABASE_URL all share one database and one S3 bucket, and a push through `api` serves.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startS3Server, type TestS3Server } from '../test-support/s3-server.js';
import { IRIS_ONNX, multipart, startTestServer, type TestServer } from '../test-support/test-server.js';

const SETOSA = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };
const BASE_ENV = { ANONYMOUS_LOOPBACK_WRITES: 'true' };

async function predictCount(server: TestServer): Promise<number> {
  const metric = await server.context.metrics.httpRequestDuration.get();
  return metric.values
    .filter((v) => v.metricName?.endsWith('_count') && v.labels.http_route === '/api/models/:name/predict')
    .reduce((sum, v) => sum + v.value, 0);
}

/** The JSON answers these tests read: predictions, OIP outputs and errors. */
interface Answer {
  name?: string;
  predictions: Array<{ label: string }>;
  outputs: Array<{ shape: number[] }>;
  error: { code: string };
}
const answer = async (res: Response) => (await res.json()) as Answer;

const predict = (server: TestServer, model = 'iris') =>
  fetch(`${server.url}/api/models/${model}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: SETOSA }),
  });

/** A shared database and bucket when a PostgreSQL server is available; else each replica has its own. */
async function sharedBackends(): Promise<{ env: Record<string, string>; close(): Promise<void> }> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) return { env: {}, close: async () => {} };
  const dbName = `modelgarden_roles_${randomUUID().replaceAll('-', '')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  const url = new URL(serverUrl);
  url.pathname = `/${dbName}`;
  const s3: TestS3Server = await startS3Server();
  vi.stubEnv('AWS_ACCESS_KEY_ID', s3.credentials.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', s3.credentials.secretAccessKey);
  return {
    env: { ...s3.env, DATABASE_URL: url.toString() },
    async close() {
      await s3.close();
      await admin.query(`drop database ${dbName} with (force)`);
      await admin.end();
    },
  };
}

describe('ROLE=api in front of two ROLE=inference replicas', () => {
  let shared: Awaited<ReturnType<typeof sharedBackends>>;
  let inference: TestServer[];
  let api: TestServer;
  beforeAll(async () => {
    shared = await sharedBackends();
    inference = [];
    // One after the other: the first seeds the demo models, the others find them.
    for (let i = 0; i < 2; i++) {
      inference.push(await startTestServer({ env: { ...BASE_ENV, ...shared.env, ROLE: 'inference' } }));
    }
    api = await startTestServer({
      env: { ...BASE_ENV, ...shared.env, ROLE: 'api', INFERENCE_URLS: inference.map((s) => s.url).join(',') },
    });
  });
  afterAll(async () => {
    await api?.close();
    for (const s of inference ?? []) await s.close();
    await shared?.close();
    vi.unstubAllEnvs();
  });

  it('forwards predictions round robin and holds no model itself', async () => {
    const before = await Promise.all(inference.map(predictCount));
    for (let i = 0; i < 6; i++) {
      const res = await predict(api);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-model-version')).toBe('1');
      expect((await answer(res)).predictions[0]?.label).toBe('setosa');
    }
    const after = await Promise.all(inference.map(predictCount));
    expect(after.map((n, i) => n - before[i]!)).toEqual([3, 3]);
    expect(api.context.models.loadedVersions('iris')).toEqual([]);
  });

  it('forwards OIP metadata and infer, and passes errors through as the replica wrote them', async () => {
    const meta = await fetch(`${api.url}/v2/models/iris`);
    expect(meta.status).toBe(200);
    expect((await answer(meta)).name).toBe('iris');
    const infer = await fetch(`${api.url}/v2/models/iris/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0.2] }],
      }),
    });
    expect(infer.status).toBe(200);
    expect((await answer(infer)).outputs[0]?.shape).toEqual([1, 3]);
    const missing = await predict(api, 'no-such-model');
    expect(missing.status).toBe(404);
    expect((await answer(missing)).error.code).toBe('MODEL_NOT_FOUND');
    const malformed = await fetch(`${api.url}/api/models/iris/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"inputs":',
    });
    expect(malformed.status).toBe(400);
  });

  it('authenticates before forwarding: a bad key is refused by the api replica', async () => {
    const before = await Promise.all(inference.map(predictCount));
    const res = await fetch(`${api.url}/api/models/iris/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer not-a-real-key' },
      body: JSON.stringify({ inputs: SETOSA }),
    });
    expect(res.status).toBe(401);
    expect(await Promise.all(inference.map(predictCount))).toEqual(before);
  });

  it.runIf(process.env.TEST_DATABASE_URL)('serves a version pushed through the api replica', async () => {
    const body = multipart([
      {
        name: 'metadata',
        data: JSON.stringify({ labels: ['a', 'b', 'c'], featureNames: Object.keys(SETOSA) }),
      },
      { name: 'file', filename: 'iris.onnx', data: await readFile(IRIS_ONNX) },
    ]);
    const pushed = await fetch(`${api.url}/api/models/flowers/versions`, {
      method: 'POST',
      headers: body.headers,
      body: body.payload,
    });
    expect(pushed.status, await pushed.clone().text()).toBe(201);
    expect(api.context.models.loadedVersions('flowers')).toEqual([]);
    for (let i = 0; i < 2; i++) expect((await predict(api, 'flowers')).status).toBe(200);
  });

  it('moves to the other replica when one is down, and answers 503 when none is up', async () => {
    await inference[0]!.close();
    for (let i = 0; i < 4; i++) expect((await predict(api)).status).toBe(200);
    await inference[1]!.close();
    const res = await predict(api);
    expect(res.status).toBe(503);
    expect((await answer(res)).error.code).toBe('MODEL_NOT_READY');
  });
});

describe('the forwarding deadline', () => {
  it('answers 504 when no replica answers in INFERENCE_TIMEOUT_MS', async () => {
    // Accepts connections and never answers.
    const sockets = new Set<net.Socket>();
    const blackhole = net.createServer((s) => sockets.add(s));
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    const port = (blackhole.address() as net.AddressInfo).port;
    const api = await startTestServer({
      seedDemoModels: false,
      env: {
        ...BASE_ENV,
        ROLE: 'api',
        INFERENCE_URLS: `http://127.0.0.1:${port}`,
        INFERENCE_TIMEOUT_MS: '300',
      },
    });
    try {
      const started = Date.now();
      const res = await predict(api);
      expect(res.status).toBe(504);
      expect((await answer(res)).error.code).toBe('DEADLINE_EXCEEDED');
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await api.close();
      for (const s of sockets) s.destroy();
      blackhole.close();
    }
  });
});
