// The SDK against a real server on loopback, with the demo models and a temporary data folder.

import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../../apps/server/src/index.js';
import {
  type ClassificationPrediction,
  ModelGardenApiError,
  ModelGardenClient,
  ModelGardenNetworkError,
  type UploadProgress,
} from './index.js';

const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const IRIS_FILE = repo('models/iris/iris.onnx');
const IRIS_FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
const IRIS_LABELS = ['setosa', 'versicolor', 'virginica'];
const SETOSA = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };
const VIRGINICA = { sepal_length: 7.7, sepal_width: 3.0, petal_length: 6.1, petal_width: 2.3 };

let server: { url: string; close(): Promise<void> };
let dataDir: string;
let client: ModelGardenClient;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'modelgarden-sdk-'));
  server = await startServer({
    dataDir,
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    env: { ...process.env, ANONYMOUS_LOOPBACK_WRITES: 'true' },
  });
  client = new ModelGardenClient({ baseUrl: server.url });
  // The demo models are registered and loaded after the server starts listening.
  const deadline = Date.now() + 60_000;
  while ((await client.ready()).status !== 'ready') {
    if (Date.now() > deadline) throw new Error('the server did not become ready within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 90_000);

afterAll(async () => {
  await server?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<ModelGardenApiError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ModelGardenApiError);
  return error as ModelGardenApiError;
}

function top(prediction: unknown): ClassificationPrediction {
  expect(prediction).toHaveProperty('probabilities');
  return prediction as ClassificationPrediction;
}

describe('health and metadata', { timeout: 20_000 }, () => {
  it('reports live and ready', async () => {
    expect(await client.health()).toEqual({ status: 'ok' });
    expect((await client.ready()).status).toBe('ready');
  });

  it('answers OIP server metadata', async () => {
    const metadata = await client.serverMetadata();
    expect(typeof metadata.name).toBe('string');
    expect(typeof metadata.version).toBe('string');
    expect(Array.isArray(metadata.extensions)).toBe(true);
  });
});

describe('registry', { timeout: 20_000 }, () => {
  it('lists the demo models', async () => {
    const models = await client.listModels();
    const iris = models.find((model) => model.name === 'iris');
    expect(iris).toMatchObject({ task: 'tabular-classification', latestVersion: 1, versionCount: 1 });
    expect(models.map((model) => model.name)).toContain('digits');
  });

  it('gets a model with its versions and one version', async () => {
    const iris = await client.getModel('iris');
    expect(iris.name).toBe('iris');
    expect(iris.versions).toHaveLength(1);
    const version = await client.getVersion('iris', 1);
    expect(version).toEqual(iris.versions[0]);
    expect(version).toMatchObject({
      model: 'iris',
      version: 1,
      framework: 'onnx',
      status: 'ready',
      labels: IRIS_LABELS,
      featureNames: IRIS_FEATURES,
    });
    expect(version.inputs[0]?.datatype).toBe('FP32');
  });

  it('pushes a file from a path, reporting progress, then bytes as the next version', async () => {
    const bytes = await readFile(IRIS_FILE);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const events: UploadProgress[] = [];

    const first = await client.pushModel('iris-sdk', IRIS_FILE, {
      metadata: { description: 'pushed by the SDK test', labels: IRIS_LABELS, featureNames: IRIS_FEATURES },
      onProgress: (progress) => events.push(progress),
    });
    expect(first).toMatchObject({
      model: 'iris-sdk',
      version: 1,
      sha256,
      sizeBytes: bytes.byteLength,
      status: 'ready',
      task: 'tabular-classification',
      description: 'pushed by the SDK test',
      labels: IRIS_LABELS,
    });
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((event) => event.total === bytes.byteLength)).toBe(true);
    expect(events.map((event) => event.loaded)).toEqual(
      [...events.map((event) => event.loaded)].sort((a, b) => a - b),
    );
    expect(events.at(-1)?.loaded).toBe(bytes.byteLength);

    const second = await client.pushModel('iris-sdk', new Uint8Array(bytes), {
      metadata: { labels: IRIS_LABELS, featureNames: IRIS_FEATURES },
    });
    expect(second).toMatchObject({ model: 'iris-sdk', version: 2, sha256 });
    // Without metadata, a push with the same signature keeps the latest version's labels and task.
    const blob = await client.pushModel('iris-sdk', new Blob([bytes]), { filename: 'iris.onnx' });
    expect(blob).toMatchObject({ version: 3, sha256, labels: IRIS_LABELS, task: 'tabular-classification' });
    expect((await client.getModel('iris-sdk')).versions.map((version) => version.version)).toEqual([3, 2, 1]);
  });

  it('splits traffic, rolls back, edits, archives and deletes versions', async () => {
    await client.setAlias('iris-sdk', 'canary', 1);
    const split = await client.splitTraffic('iris-sdk', 'canary', [
      { version: 1, weight: 90 },
      { version: 2, weight: 10 },
    ]);
    expect(split).toMatchObject({ alias: 'canary', version: 1, targets: [{ version: 1 }, { version: 2 }] });
    expect((await client.rollback('iris-sdk', 'canary')).targets).toEqual([{ version: 1, weight: 100 }]);
    const history = await client.aliasHistory('iris-sdk', 'canary');
    expect(history.map((entry) => entry.action)).toEqual(['rollback', 'set', 'set']);
    expect((await client.listAliases('iris-sdk')).map((a) => a.alias)).toContain('canary');
    await client.deleteAlias('iris-sdk', 'canary');
    const edited = await client.updateVersion('iris-sdk', 3, { description: 'from a Blob' });
    expect(edited.description).toBe('from a Blob');
    expect((await client.archiveVersion('iris-sdk', 3)).archived).toBe(true);
    expect((await client.restoreVersion('iris-sdk', 3)).archived).toBe(false);
    expect(await client.deleteVersion('iris-sdk', 3, { idempotencyKey: 'sdk-delete-3' })).toMatchObject({
      deleted: true,
      artifactRemoved: false,
    });
    // The same key replays the first answer instead of failing on the now-missing version.
    expect((await client.deleteVersion('iris-sdk', 3, { idempotencyKey: 'sdk-delete-3' })).deleted).toBe(
      true,
    );
    await client.createModel('sdk-empty', { tags: { team: 'sdk' } });
    expect((await client.searchModels({ tag: 'team:sdk' })).models.map((m) => m.name)).toEqual(['sdk-empty']);
  });

  it('moves an alias, and predictions follow it', async () => {
    expect(await client.setAlias('iris-sdk', 'production', 1)).toMatchObject({
      model: 'iris-sdk',
      alias: 'production',
      version: 1,
    });
    expect(await client.setAlias('iris-sdk', 'staging', 2)).toMatchObject({
      model: 'iris-sdk',
      alias: 'staging',
      version: 2,
    });
    const model = await client.getModel('iris-sdk');
    expect(model.aliases).toEqual({ production: 1, staging: 2 });
    expect(model.versions.find((version) => version.version === 1)?.aliases).toEqual(['production']);

    expect((await client.predict('iris-sdk', SETOSA)).version).toBe(1);
    expect((await client.predict('iris-sdk', SETOSA, { alias: 'staging' })).version).toBe(2);
    expect((await client.predict('iris-sdk', SETOSA, { version: 2 })).version).toBe(2);
  });
});

describe('predictions', { timeout: 20_000 }, () => {
  it('predicts one tabular row with labelled probabilities, sorted', async () => {
    const answer = await client.predict('iris', SETOSA);
    expect(answer).toMatchObject({ model: 'iris', version: 1 });
    expect(answer.predictions).toHaveLength(1);
    const prediction = top(answer.predictions[0]);
    expect(prediction.label).toBe('setosa');
    expect(prediction.probabilities.map((entry) => entry.label).sort()).toEqual(IRIS_LABELS);
    const probabilities = prediction.probabilities.map((entry) => entry.probability);
    expect(probabilities).toEqual([...probabilities].sort((a, b) => b - a));
    expect(prediction.probability).toBe(probabilities[0]);
    expect(probabilities.reduce((sum, p) => sum + p, 0)).toBeCloseTo(1, 3);
  });

  it('predicts a batch of rows and cuts to topK', async () => {
    const answer = await client.predict('iris', [SETOSA, VIRGINICA], { topK: 1 });
    expect(answer.predictions.map((prediction) => top(prediction).label)).toEqual(['setosa', 'virginica']);
    expect(answer.predictions.every((prediction) => top(prediction).probabilities.length === 1)).toBe(true);
  });

  it('predicts digits from PNG bytes and from a Blob', async () => {
    const seven = await readFile(repo('models/digits/samples/digit-7-3.png'));
    const three = await readFile(repo('models/digits/samples/digit-3-4.png'));
    const one = await client.predictImage('digits', new Uint8Array(seven), { topK: 3 });
    expect(one.model).toBe('digits');
    expect(top(one.predictions[0]).label).toBe('7');
    expect(top(one.predictions[0]).probabilities).toHaveLength(3);
    const batch = await client.predictImage('digits', [new Blob([seven]), new Uint8Array(three)]);
    expect(batch.predictions.map((prediction) => top(prediction).label)).toEqual(['7', '3']);
    const dataUrl = `data:image/png;base64,${seven.toString('base64')}`;
    const fromText = await client.predictImage('digits', [dataUrl, three.toString('base64')]);
    expect(fromText.predictions.map((prediction) => top(prediction).label)).toEqual(['7', '3']);
  });

  it('runs an Open Inference Protocol v2 request', async () => {
    const version = await client.getVersion('iris', 1);
    const input = version.inputs[0]!;
    const answer = await client.infer('iris', {
      id: 'sdk-test',
      inputs: [{ name: input.name, datatype: 'FP32', shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }],
    });
    expect(answer.model_name).toBe('iris');
    expect(answer.id).toBe('sdk-test');
    expect(answer.outputs.length).toBeGreaterThan(0);
    const versioned = await client.infer(
      'iris',
      { inputs: [{ name: input.name, datatype: 'FP32', shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }] },
      { version: 1 },
    );
    expect(versioned.outputs).toEqual(answer.outputs);
  });
});

describe('errors', { timeout: 20_000 }, () => {
  it('an unknown model is MODEL_NOT_FOUND (404) on every registry and predict route', async () => {
    for (const call of [
      client.getModel('no-such-model'),
      client.getVersion('no-such-model', 1),
      client.predict('no-such-model', SETOSA),
      client.setAlias('no-such-model', 'production', 1),
    ]) {
      const error = await failure(call);
      expect(error.status).toBe(404);
      expect(error.code).toBe('MODEL_NOT_FOUND');
      expect(error.message).toMatch(/no-such-model/);
    }
  });

  it('an unknown version is a 404 with a code', async () => {
    const error = await failure(client.getVersion('iris', 99));
    expect(error.status).toBe(404);
    expect(error.code).toMatch(/^[A-Z_]+$/);
  });

  it('malformed input is a 4xx with a code', async () => {
    const missing = await failure(client.predict('iris', { sepal_length: 5.1 }));
    expect(missing.status).toBeGreaterThanOrEqual(400);
    expect(missing.status).toBeLessThan(500);
    expect(missing.code).toMatch(/^[A-Z_]+$/);
    expect(missing.code).not.toMatch(/^HTTP_/);

    const notNumber = await failure(
      client.predict('iris', { ...SETOSA, sepal_length: 'wide' as unknown as number }),
    );
    expect(notNumber.status).toBeGreaterThanOrEqual(400);
    expect(notNumber.status).toBeLessThan(500);

    const notAnImage = await failure(
      client.predictImage('digits', new TextEncoder().encode('not a picture')),
    );
    expect(notAnImage.status).toBeGreaterThanOrEqual(400);
    expect(notAnImage.status).toBeLessThan(500);
  });

  it('a bad model name or a file that is not ONNX is refused with a code', async () => {
    const badName = await failure(client.pushModel('Not A Name!', new Uint8Array([1, 2, 3])));
    expect(badName.status).toBe(400);
    expect(badName.code).not.toMatch(/^HTTP_/);
    const notOnnx = await failure(client.pushModel('not-onnx', new TextEncoder().encode('hello')));
    expect(notOnnx.status).toBeGreaterThanOrEqual(400);
    expect(notOnnx.status).toBeLessThan(500);
    expect(notOnnx.code).not.toMatch(/^HTTP_/);
  });

  it("reads OIP's {error: string} answers", async () => {
    const error = await failure(
      client.infer('no-such-model', { inputs: [{ name: 'x', datatype: 'FP32', shape: [1], data: [1] }] }),
    );
    expect(error.status).toBe(404);
    expect(error.code).toBe('HTTP_404');
    expect(error.message.length).toBeGreaterThan(0);
    const bad = await failure(client.infer('iris', { inputs: [] }));
    expect(bad.status).toBe(400);
  });

  it('wraps a network failure once, with the URL', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const error = await new ModelGardenClient({ baseUrl: url })
      .listModels()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelGardenNetworkError);
    const network = error as ModelGardenNetworkError;
    expect(network.url).toBe(`${url}/api/models`);
    expect(network.message).toContain(`${url}/api/models`);
    expect(network.message).toMatch(/ECONNREFUSED/);
  });
});

/** A loopback port that nothing listens on: bound once by the OS, then released. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('pushModel with a reference dataset', () => {
  it('sends the CSV with the push so the version has its drift reference', async () => {
    const reference = await readFile(repo('models/iris/reference.csv'), 'utf8');
    const version = await client.pushModel('iris-with-reference', IRIS_FILE, {
      metadata: { labels: IRIS_LABELS, featureNames: IRIS_FEATURES },
      reference,
    });
    const res = await fetch(
      `${server.url}/api/models/iris-with-reference/versions/${version.version}/reference`,
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ source: 'csv', features: IRIS_FEATURES });
  });
});

describe('serving config', { timeout: 20_000 }, () => {
  it('reads the stored config with the settings in effect, and replaces it', async () => {
    const before = await client.getServingConfig('iris', 1);
    expect(before).toMatchObject({ model: 'iris', version: 1 });
    expect(before.effective.maxBatchSize).toBeGreaterThan(0);
    const after = await client.setServingConfig('iris', 1, { maxBatchSize: 8, maxQueueDelayMs: 1 });
    expect(after.servingConfig).toEqual({ maxBatchSize: 8, maxQueueDelayMs: 1 });
    expect(after.effective).toMatchObject({ maxBatchSize: 8, maxQueueDelayMs: 1 });
    expect((await client.getVersion('iris', 1)).servingConfig).toEqual({
      maxBatchSize: 8,
      maxQueueDelayMs: 1,
    });
    expect((await failure(client.setServingConfig('iris', 1, { maxBatchSize: 0 }))).code).toBe(
      'VALIDATION_FAILED',
    );
    await client.setServingConfig('iris', 1, {});
  });
});

describe('prediction logging, references and drift', { timeout: 30_000 }, () => {
  const MODEL = 'iris-observed';

  beforeAll(async () => {
    await client.pushModel(MODEL, IRIS_FILE, {
      metadata: { labels: IRIS_LABELS, featureNames: IRIS_FEATURES },
    });
  });

  it('turns logging on, logs predictions, pages them and exports them as CSV', async () => {
    expect((await client.getPredictionLogging(MODEL)).enabled).toBe(false);
    const settings = await client.setPredictionLogging(MODEL, { enabled: true, sampleRate: 1 });
    expect(settings).toMatchObject({ enabled: true, sampleRate: 1 });
    const rows = Array.from({ length: 12 }, (_, i) => (i % 3 === 2 ? VIRGINICA : SETOSA));
    await client.predict(MODEL, rows);
    // The log is written by a background flush: wait for the rows, then look at them.
    let page = await client.listPredictions(MODEL);
    for (const deadline = Date.now() + 10_000; page.items.length < rows.length && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      page = await client.listPredictions(MODEL);
    }
    expect(page.items).toHaveLength(rows.length);
    expect(page.items[0]).toMatchObject({ model: MODEL, version: 1, protocol: 'predict' });
    expect(Object.keys(page.items[0]?.features ?? {}).sort()).toEqual([...IRIS_FEATURES].sort());
    const setosa = await client.listPredictions(MODEL, { label: 'setosa', limit: 1 });
    expect(setosa.items.map((item) => item.label)).toEqual(['setosa']);

    const csv = await client.exportPredictionsCsv(MODEL, { label: 'setosa' });
    const [header, ...lines] = csv.trim().split('\n');
    expect(header?.split(',')).toContain('request_id');
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((line) => line.includes('setosa'))).toBe(true);
    expect((await failure(client.listPredictions('no-such-model'))).code).toBe('MODEL_NOT_FOUND');
  });

  it('sets a reference from CSV and from a logged window, and reports drift against it', async () => {
    expect((await failure(client.getReference(MODEL, 1))).code).toBe('REFERENCE_NOT_FOUND');
    const csv = await readFile(repo('models/iris/reference.csv'), 'utf8');
    const reference = await client.setReference(MODEL, 1, csv);
    expect(reference).toMatchObject({ model: MODEL, version: 1, source: 'csv', features: IRIS_FEATURES });
    expect(await client.getReference(MODEL, 1)).toEqual(reference);
    expect((await failure(client.setReference(MODEL, 1, 'not,the,features\n1,2,3\n'))).code).toBe(
      'INVALID_REFERENCE',
    );

    const from = new Date(Date.now() - 60 * 60_000).toISOString();
    const report = await client.drift(MODEL, { version: 1, from });
    expect(report).toMatchObject({
      model: MODEL,
      version: 1,
      referenceVersion: 1,
      window: { from, to: null },
    });
    expect(report.features.map((f) => f.feature).sort()).toEqual([...IRIS_FEATURES].sort());

    const to = new Date(Date.now() + 60_000).toISOString();
    const fromWindow = await client.setReferenceFromWindow(MODEL, 1, { from, to });
    expect(fromWindow.source).not.toBe('csv');
    expect(fromWindow.rows).toBe(12);
    expect((await failure(client.drift(MODEL, { from: to, to: from }))).code).toBe('VALIDATION_FAILED');
  });

  it('reads the live metrics summary and the Prometheus exposition', async () => {
    const summary = await client.metricsSummary();
    expect(summary.intervalSeconds).toBeGreaterThan(0);
    expect(Array.isArray(summary.http)).toBe(true);
    const text = await client.prometheusMetrics();
    expect(text).toContain('http_server_request_duration_seconds');
  });
});

describe('Open Inference Protocol metadata and readiness', { timeout: 20_000 }, () => {
  it('answers server liveness and readiness, model metadata and model readiness', async () => {
    expect(await client.serverLive()).toEqual({ live: true });
    expect(await client.serverReady()).toEqual({ ready: true });
    const metadata = await client.modelMetadata('iris');
    expect(metadata).toMatchObject({ name: 'iris', platform: 'onnx_onnxv1' });
    expect(metadata.inputs[0]).toMatchObject({ datatype: 'FP32' });
    expect((await client.modelMetadata('iris', { version: 1 })).versions).toContain('1');
    expect(await client.modelReady('iris')).toEqual({ name: 'iris', ready: true });
    expect(await client.modelReady('iris', { version: 1 })).toEqual({ name: 'iris', ready: true });
    const unknown = await failure(client.modelReady('no-such-model'));
    expect(unknown.status).toBe(404);
    expect((await failure(client.modelMetadata('iris', { version: 99 }))).status).toBe(404);
  });
});
