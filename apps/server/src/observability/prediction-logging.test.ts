/**
 * Prediction logging and drift over the real stack: the demo iris model logs its predictions and is
 * compared with its shipped training split. An unshifted stream shows no drift, a shifted one does.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, REPO_ROOT, startTestServer, type TestServer } from '../test-support/test-server.js';
import { DEMO_SAMPLE_RATE } from './seed-observability.js';

let server: TestServer;
let referenceRows: Array<Record<string, number>>;
const inject = (opts: InjectOptions) => server.app.inject(opts);

beforeAll(async () => {
  server = await startTestServer();
  const csv = await readFile(path.join(REPO_ROOT, 'models', 'iris', 'reference.csv'), 'utf8');
  const [header, ...lines] = csv.trim().split('\n');
  const names = header!.split(',').slice(0, 4);
  referenceRows = lines.map((l) =>
    Object.fromEntries(
      l
        .split(',')
        .slice(0, 4)
        .map((v, i) => [names[i]!, Number(v)]),
    ),
  );
});
afterAll(() => server?.close());

async function predictRows(rows: Array<Record<string, number>>) {
  for (let i = 0; i < rows.length; i += 20) {
    const res = await inject({
      method: 'POST',
      url: '/api/models/iris/predict',
      payload: { inputs: rows.slice(i, i + 20) },
    });
    expect(res.statusCode).toBe(200);
  }
}

/** Logged rows are written in the background; wait until `count` are visible in the window. */
async function waitForLogged(count: number, from: string) {
  for (let i = 0; i < 100; i++) {
    const res = await inject({
      url: `/api/models/iris/predictions?limit=1000&from=${encodeURIComponent(from)}`,
    });
    if (res.json().items.length >= count) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`fewer than ${count} predictions logged`);
}

const drift = async (from: string, to: string) =>
  (
    await inject({
      url: `/api/models/iris/drift?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
    })
  ).json();

describe('prediction logging', () => {
  it('is on for the demo iris model, sampled, with its reference dataset', async () => {
    expect((await inject({ url: '/api/models/iris/prediction-logging' })).json()).toEqual({
      enabled: true,
      sampleRate: DEMO_SAMPLE_RATE,
      retentionDays: 30,
    });
    // The rest of this suite counts logged rows: every prediction from here on.
    await inject({ method: 'PUT', url: '/api/models/iris/prediction-logging', payload: { sampleRate: 1 } });
    const ref = (await inject({ url: '/api/models/iris/versions/1/reference' })).json();
    expect(ref).toMatchObject({
      model: 'iris',
      version: 1,
      source: 'csv',
      features: expect.arrayContaining(['petal_length']),
    });
    expect(ref.rows).toBeGreaterThan(50);
  });

  it('finds no drift in a stream drawn from the reference, and drift in a shifted one', async () => {
    const t0 = new Date().toISOString();
    await predictRows(referenceRows.slice(0, 100));
    await waitForLogged(100, t0);
    const t1 = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    const shifted = referenceRows
      .slice(0, 100)
      .map((r) => ({ ...r, petal_length: r.petal_length! + 2.5, petal_width: r.petal_width! + 1 }));
    await predictRows(shifted);
    await waitForLogged(100, t1);
    const t2 = new Date().toISOString();

    const calm = await drift(t0, t1);
    expect(calm.liveRows).toBe(100);
    expect(calm.features.filter((f: { drifted: boolean }) => f.drifted)).toEqual([]);
    expect(calm.drifted).toBe(false);

    const moved = await drift(t1, t2);
    const byName = Object.fromEntries(moved.features.map((f: { feature: string }) => [f.feature, f]));
    expect(byName.petal_length.drifted).toBe(true);
    expect(byName.petal_length.psi).toBeGreaterThan(0.2);
    expect(byName.petal_length.ksPValue).toBeLessThan(0.05);
    expect(byName.sepal_length.drifted).toBe(false);
    expect(moved.driftedShare).toBe(0.5);
    expect(Object.keys(moved.labels.reference).sort()).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(moved.labels.live.virginica).toBeGreaterThan(moved.labels.reference.virginica);

    const metrics = (await inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/modelgarden_drift_psi\{model="iris",version="1",feature="petal_length"\} \d/);
  });

  it('at sample rate 1 logs every prediction of a burst, more rows than the old 10,000-row buffer held', async () => {
    await inject({ method: 'PUT', url: '/api/models/iris/prediction-logging', payload: { sampleRate: 1 } });
    const before = server.context.predictionLogs.written;
    const rows = Array.from({ length: 100 }, (_, i) => referenceRows[i % referenceRows.length]!);
    const body = JSON.stringify({ inputs: rows });
    // 150 requests of 100 rows over real sockets, 16 at a time: 15,000 rows arrive within a second or two.
    let next = 0;
    const client = async () => {
      while (next < 150) {
        next++;
        const res = await fetch(`${server.url}/api/models/iris/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
    };
    await Promise.all(Array.from({ length: 16 }, client));
    await server.context.predictionLogs.flush();
    expect(server.context.predictionLogs.dropped).toBe(0);
    expect(server.context.predictionLogs.written - before).toBe(15_000);
  });

  it('filters, pages and exports the log', async () => {
    const page1 = (await inject({ url: '/api/models/iris/predictions?limit=5&label=setosa' })).json();
    expect(page1.items).toHaveLength(5);
    for (const item of page1.items)
      expect(item).toMatchObject({ model: 'iris', version: 1, label: 'setosa', protocol: 'predict' });
    expect(page1.items[0].features).toHaveProperty('petal_length');
    const page2 = (
      await inject({ url: `/api/models/iris/predictions?limit=5&label=setosa&cursor=${page1.nextCursor}` })
    ).json();
    expect(page2.items[0].id).toBeLessThan(page1.items[4].id);
    const csv = await inject({ url: '/api/models/iris/predictions.csv?label=virginica' });
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trim().split('\n');
    expect(lines[0]).toBe(
      'id,created_at,model,version,request_id,protocol,latency_ms,label,probability,value,features,image_stats',
    );
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.slice(1).every((l) => l.includes(',virginica,'))).toBe(true);
  });

  // Issue 14: this test used to post an invalid image and read the log at once, so it passed whether
  // or not logging-off worked. Now: valid predictions, the buffer flushed, what is and is not logged.
  it('logs nothing for a model with logging off and honours settings changes', async () => {
    const image = (
      await readFile(path.join(REPO_ROOT, 'models', 'digits', 'samples', 'digit-7-3.png'))
    ).toString('base64');
    const digits = await inject({ method: 'POST', url: '/api/models/digits/predict', payload: { image } });
    expect(digits.statusCode, digits.body).toBe(200);
    // A marker row: iris logs every prediction, so this one must show up.
    const before = { sepal_length: 4.31, sepal_width: 2.97, petal_length: 1.11, petal_width: 0.13 };
    const from = new Date(Date.now() - 1000).toISOString();
    await predictRows([before]);
    const hasRow = async (row: Record<string, number>) => {
      await server.context.predictionLogs.flush();
      const res = await inject({
        url: `/api/models/iris/predictions?limit=1000&from=${encodeURIComponent(from)}`,
      });
      return (res.json().items as Array<{ features: Record<string, number> | null }>).some(
        (i) => i.features?.sepal_length === row.sepal_length && i.features?.petal_width === row.petal_width,
      );
    };
    for (let i = 0; i < 100 && !(await hasRow(before)); i++) await new Promise((r) => setTimeout(r, 50));
    expect(await hasRow(before)).toBe(true);
    // Digits has logging off: its valid prediction was answered but not logged.
    await server.context.predictionLogs.flush();
    expect((await inject({ url: '/api/models/digits/predictions' })).json().items).toEqual([]);

    const off = await inject({
      method: 'PUT',
      url: '/api/models/iris/prediction-logging',
      payload: { enabled: false },
    });
    expect(off.json()).toMatchObject({ enabled: false, sampleRate: 1 });
    const after = { sepal_length: 4.39, sepal_width: 2.91, petal_length: 1.19, petal_width: 0.17 };
    await predictRows([after]);
    // Give the hook and one flush interval their time, then check nothing new was written.
    await new Promise((r) => setTimeout(r, 300));
    expect(await hasRow(after)).toBe(false);
    expect(await hasRow(before)).toBe(true);
    const on = await inject({
      method: 'PUT',
      url: '/api/models/iris/prediction-logging',
      payload: { enabled: true },
    });
    expect(on.json()).toMatchObject({ enabled: true });
  });

  it.each([
    ['PUT', '/api/models/iris/prediction-logging', { sampleRate: 2 }, 400, 'VALIDATION_FAILED'],
    ['PUT', '/api/models/iris/prediction-logging', { enabled: 'yes' }, 400, 'VALIDATION_FAILED'],
    ['GET', '/api/models/nope/prediction-logging', undefined, 404, 'MODEL_NOT_FOUND'],
    ['GET', '/api/models/iris/predictions?from=yesterday', undefined, 400, 'VALIDATION_FAILED'],
    ['GET', '/api/models/digits/drift', undefined, 404, 'REFERENCE_NOT_FOUND'],
    ['GET', '/api/models/iris/drift?version=9', undefined, 404, 'VERSION_NOT_FOUND'],
  ] as const)('%s %s → %i %s', async (method, url, payload, status, code) => {
    const res = await inject({ method, url, ...(payload ? { payload } : {}) });
    expect(res.statusCode, res.body).toBe(status);
    expect(res.json().error.code).toBe(code);
  });

  it('rejects bad reference datasets with INVALID_REFERENCE', async () => {
    const put = (body: string, type = 'text/csv') =>
      inject({
        method: 'PUT',
        url: '/api/models/iris/versions/1/reference',
        headers: { 'content-type': type },
        payload: body,
      });
    const missing = await put('sepal_length,label\n1,setosa\n');
    expect(missing.json().error.code).toBe('INVALID_REFERENCE');
    expect(missing.json().error.message).toContain('petal_length');
    const notNumber = await put(
      `sepal_length,sepal_width,petal_length,petal_width\n${'1,2,3,x\n'.repeat(20)}`,
    );
    expect(notNumber.json().error).toMatchObject({ code: 'INVALID_REFERENCE' });
    const tooShort = await put('sepal_length,sepal_width,petal_length,petal_width\n1,2,3,4\n');
    expect(tooShort.json().error.code).toBe('INVALID_REFERENCE');
    expect((await put('{}', 'application/json')).statusCode).toBe(415);
    // The good reference is still in place.
    expect((await inject({ url: '/api/models/iris/versions/1/reference' })).json().rows).toBeGreaterThan(50);
  });

  it('serves the live metrics summary', async () => {
    await server.context.liveMetrics.sample();
    await predictRows(referenceRows.slice(0, 20));
    await server.context.liveMetrics.sample();
    const summary = (await inject({ url: '/api/metrics/summary' })).json();
    expect(summary.intervalSeconds).toBeGreaterThan(0);
    expect(summary.http.length).toBeGreaterThan(0);
    expect(summary.http.at(-1).rps).toBeGreaterThan(0);
  });
});

describe('reference pushed with the version', () => {
  it('stores a valid CSV as the new version reference, and refuses a bad one without creating the version', async () => {
    const iris = await readFile(path.join(REPO_ROOT, 'models', 'iris', 'iris.onnx'));
    const csv = await readFile(path.join(REPO_ROOT, 'models', 'iris', 'reference.csv'), 'utf8');
    const meta = JSON.stringify({
      labels: ['setosa', 'versicolor', 'virginica'],
      featureNames: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'],
    });
    const body = multipart([
      { name: 'metadata', data: meta },
      { name: 'reference', filename: 'reference.csv', type: 'text/csv', data: csv },
      { name: 'file', filename: 'iris.onnx', data: iris },
    ]);
    const created = await inject({ method: 'POST', url: '/api/models/with-ref/versions', ...body });
    expect(created.statusCode, created.body).toBe(201);
    const ref = (await inject({ url: '/api/models/with-ref/versions/1/reference' })).json();
    expect(ref).toMatchObject({ model: 'with-ref', version: 1, source: 'csv', rows: referenceRows.length });

    const bad = multipart([
      { name: 'metadata', data: meta },
      { name: 'reference', data: 'sepal_length\n1\n' },
      { name: 'file', filename: 'iris.onnx', data: iris },
    ]);
    const refused = await inject({ method: 'POST', url: '/api/models/bad-ref/versions', ...bad });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.code).toBe('INVALID_REFERENCE');
    expect((await inject({ url: '/api/models/bad-ref' })).statusCode).toBe(404);
  });
});
