/** End-to-end API behaviour over the real stack: PGlite, onnxruntime, sharp, Fastify. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DIGIT_SAMPLES,
  IRIS_ONNX,
  multipart,
  startTestServer,
  type TestServer,
} from '../test-support/test-server.js';

const SETOSA = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };
const VIRGINICA = { sepal_length: 6.9, sepal_width: 3.1, petal_length: 5.4, petal_width: 2.1 };

let server: TestServer;
let irisBytes: Buffer;

beforeAll(async () => {
  server = await startTestServer({ maxUploadMb: 1 });
  irisBytes = await readFile(IRIS_ONNX);
});
afterAll(() => server?.close());

const inject = (opts: InjectOptions) => server.app.inject(opts);
const predictIris = (body: unknown) =>
  inject({ method: 'POST', url: '/api/models/iris/predict', payload: body as object });

async function expectStillServing() {
  const res = await predictIris({ inputs: SETOSA });
  expect(res.statusCode).toBe(200);
  expect(res.json().predictions[0].label).toBe('setosa');
}

function expectError(res: { statusCode: number; json(): unknown }, status: number, code: string) {
  expect(res.statusCode, JSON.stringify(res.json())).toBe(status);
  const body = res.json() as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
}

describe('health', () => {
  it('is live and ready once the demo models are loaded', async () => {
    expect((await inject({ url: '/health/live' })).json()).toEqual({ status: 'ok' });
    const ready = await inject({ url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', models: 'ok' } });
  });

  it('echoes an incoming x-request-id and generates one otherwise', async () => {
    const echoed = await inject({ url: '/health/live', headers: { 'x-request-id': 'abc-123' } });
    expect(echoed.headers['x-request-id']).toBe('abc-123');
    const generated = await inject({ url: '/health/live' });
    expect(String(generated.headers['x-request-id'])).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('registry', () => {
  it('lists the demo models with production aliases', async () => {
    const res = await inject({ url: '/api/models' });
    expect(res.statusCode).toBe(200);
    const names = res.json().models.map((m: { name: string }) => m.name);
    expect(names).toEqual(expect.arrayContaining(['digits', 'iris']));
    const iris = res.json().models.find((m: { name: string }) => m.name === 'iris');
    expect(iris).toMatchObject({
      task: 'tabular-classification',
      latestVersion: 1,
      aliases: { production: 1 },
    });
  });

  it('describes a model with its schema read from the ONNX graph and its metrics', async () => {
    const res = await inject({ url: '/api/models/iris' });
    const v = res.json().versions[0];
    expect(v.inputs).toEqual([{ name: 'input', datatype: 'FP32', shape: [-1, 4] }]);
    expect(v.outputs).toEqual([{ name: 'probabilities', datatype: 'FP32', shape: [-1, 3] }]);
    expect(v.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(v.metrics.accuracy).toBeGreaterThan(0.9);
    expect(v.aliases).toEqual(['production']);
  });

  it('pushes a version that is servable at once, then moves the alias', async () => {
    const meta = { labels: ['a', 'b', 'c'], featureNames: ['f1', 'f2', 'f3', 'f4'], description: 'copy' };
    const body = multipart([
      { name: 'metadata', data: JSON.stringify(meta) },
      { name: 'file', filename: 'iris.onnx', data: irisBytes },
    ]);
    const created = await inject({ method: 'POST', url: '/api/models/flowers/versions', ...body });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ model: 'flowers', version: 1, task: 'tabular-classification' });
    const second = await inject({ method: 'POST', url: '/api/models/flowers/versions', ...body });
    expect(second.json().version).toBe(2);
    expect(second.json().sha256).toBe(created.json().sha256);

    const p = await inject({
      method: 'POST',
      url: '/api/models/flowers/predict?version=2',
      payload: { inputs: { f1: 5.1, f2: 3.5, f3: 1.4, f4: 0.2 } },
    });
    expect(p.json()).toMatchObject({ model: 'flowers', version: 2, predictions: [{ label: 'a' }] });

    const alias = await inject({
      method: 'PUT',
      url: '/api/models/flowers/aliases/production',
      payload: { version: 1 },
    });
    expect(alias.json()).toMatchObject({ model: 'flowers', alias: 'production', version: 1 });
    const viaAlias = await inject({
      method: 'POST',
      url: '/api/models/flowers/predict',
      payload: { inputs: [1, 2, 3, 4] },
    });
    expect(viaAlias.json().version).toBe(1);
  });

  it('keeps labels, features and task from the latest version when a push leaves them out', async () => {
    const body = multipart([{ name: 'file', filename: 'iris.onnx', data: irisBytes }]);
    const res = await inject({ method: 'POST', url: '/api/models/flowers/versions', ...body });
    expect(res.json()).toMatchObject({
      version: 3,
      task: 'tabular-classification',
      labels: ['a', 'b', 'c'],
      featureNames: ['f1', 'f2', 'f3', 'f4'],
    });
    const fresh = await inject({ method: 'POST', url: '/api/models/unlabelled/versions', ...body });
    expect(fresh.json()).toMatchObject({ task: 'tensor', labels: null });
  });

  it('gives concurrent pushes distinct consecutive versions', async () => {
    const body = multipart([{ name: 'file', filename: 'iris.onnx', data: irisBytes }]);
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        inject({ method: 'POST', url: '/api/models/parallel/versions', ...body }),
      ),
    );
    const versions = results.map((r) => r.json().version).sort();
    expect(versions).toEqual([1, 2, 3, 4, 5]);
  });

  it('rejects bad model names, versions and alias bodies with coded errors', async () => {
    expectError(await inject({ url: '/api/models/Bad%20Name' }), 400, 'INVALID_MODEL_NAME');
    expectError(await inject({ url: '/api/models/nope' }), 404, 'MODEL_NOT_FOUND');
    expectError(await inject({ url: '/api/models/iris/versions/99' }), 404, 'VERSION_NOT_FOUND');
    expectError(await inject({ url: '/api/models/iris/versions/abc' }), 400, 'INVALID_VERSION');
    expectError(
      await inject({ method: 'PUT', url: '/api/models/iris/aliases/production', payload: { version: 'x' } }),
      400,
      'VALIDATION_FAILED',
    );
    expectError(
      await inject({ method: 'PUT', url: '/api/models/iris/aliases/production', payload: { version: 42 } }),
      404,
      'VERSION_NOT_FOUND',
    );
    expectError(
      await inject({ method: 'PUT', url: '/api/models/iris/aliases/..%2F..', payload: { version: 1 } }),
      400,
      'INVALID_ALIAS_NAME',
    );
  });

  it('refuses a corrupt .onnx with 422 and stores nothing', async () => {
    const body = multipart([
      { name: 'file', filename: 'bad.onnx', data: Buffer.from('this is not a model') },
    ]);
    expectError(
      await inject({ method: 'POST', url: '/api/models/broken/versions', ...body }),
      422,
      'INVALID_MODEL_FILE',
    );
    expectError(await inject({ url: '/api/models/broken' }), 404, 'MODEL_NOT_FOUND');
    await expectStillServing();
  });

  it('refuses an upload over MAX_UPLOAD_MB with 413', async () => {
    const body = multipart([{ name: 'file', filename: 'big.onnx', data: Buffer.alloc(1024 * 1024 + 10, 7) }]);
    expectError(
      await inject({ method: 'POST', url: '/api/models/big/versions', ...body }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    expectError(await inject({ url: '/api/models/big' }), 404, 'MODEL_NOT_FOUND');
    await expectStillServing();
  });

  it('refuses a push without a file, with bad metadata, or as JSON', async () => {
    const noFile = multipart([{ name: 'metadata', data: '{}' }]);
    expectError(
      await inject({ method: 'POST', url: '/api/models/x/versions', ...noFile }),
      400,
      'MISSING_FILE',
    );
    const badMeta = multipart([
      { name: 'metadata', data: '{"labels": "not-a-list"}' },
      { name: 'file', filename: 'iris.onnx', data: irisBytes },
    ]);
    expectError(
      await inject({ method: 'POST', url: '/api/models/x/versions', ...badMeta }),
      400,
      'INVALID_METADATA',
    );
    const wrongLabels = multipart([
      { name: 'metadata', data: '{"labels": ["only-one"]}' },
      { name: 'file', filename: 'iris.onnx', data: irisBytes },
    ]);
    expectError(
      await inject({ method: 'POST', url: '/api/models/x/versions', ...wrongLabels }),
      400,
      'INVALID_METADATA',
    );
    expectError(
      await inject({ method: 'POST', url: '/api/models/x/versions', payload: { file: 'x' } }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    expectError(await inject({ url: '/api/models/x' }), 404, 'MODEL_NOT_FOUND');
  });
});

describe('friendly predict', () => {
  it('answers setosa for the README example, with sorted probabilities', async () => {
    const res = await predictIris({ inputs: SETOSA });
    expect(res.statusCode).toBe(200);
    const [p] = res.json().predictions;
    expect(p.label).toBe('setosa');
    expect(p.probabilities.map((x: { label: string }) => x.label)).toContain('virginica');
    const probs = p.probabilities.map((x: { probability: number }) => x.probability);
    expect([...probs].sort((a, b) => b - a)).toEqual(probs);
    expect(probs.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 4);
  });

  it('takes a batch of rows and honours topK', async () => {
    const res = await predictIris({ inputs: [SETOSA, VIRGINICA], topK: 1 });
    const preds = res.json().predictions;
    expect(preds.map((p: { label: string }) => p.label)).toEqual(['setosa', 'virginica']);
    expect(preds[0].probabilities).toHaveLength(1);
  });

  it('classifies digit pictures sent as multipart and as base64', async () => {
    const png = await readFile(path.join(DIGIT_SAMPLES, 'digit-3-4.png'));
    const body = multipart([{ name: 'image', filename: 'd.png', type: 'image/png', data: png }]);
    const res = await inject({ method: 'POST', url: '/api/models/digits/predict', ...body });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().predictions[0].label).toBe('3');
    const b64 = await inject({
      method: 'POST',
      url: '/api/models/digits/predict',
      payload: { image: `data:image/png;base64,${png.toString('base64')}` },
    });
    expect(b64.json().predictions[0].label).toBe('3');
    const ranked = b64.json().predictions[0].probabilities as Array<{ label: string; probability: number }>;
    expect(ranked).toHaveLength(10);
    // Highest first, every class once.
    const probs = ranked.map((x) => x.probability);
    expect([...probs].sort((a, b) => b - a)).toEqual(probs);
    expect(new Set(ranked.map((x) => x.label)).size).toBe(10);
    expect(ranked[0]!.label).toBe('3');
  });

  it('refuses a multipart prediction without an "image" file, or with a file in another field', async () => {
    const png = await readFile(path.join(DIGIT_SAMPLES, 'digit-3-4.png'));
    const none = multipart([{ name: 'note', data: 'no picture here' }]);
    expectError(
      await inject({ method: 'POST', url: '/api/models/digits/predict', ...none }),
      400,
      'MISSING_FILE',
    );
    const other = multipart([{ name: 'picture', filename: 'd.png', type: 'image/png', data: png }]);
    expectError(
      await inject({ method: 'POST', url: '/api/models/digits/predict', ...other }),
      400,
      'BAD_REQUEST',
    );
    // Two pictures, two predictions, in order.
    const seven = await readFile(path.join(DIGIT_SAMPLES, 'digit-7-3.png'));
    const two = multipart([
      { name: 'image', filename: 'a.png', type: 'image/png', data: png },
      { name: 'image', filename: 'b.png', type: 'image/png', data: seven },
    ]);
    const res = await inject({ method: 'POST', url: '/api/models/digits/predict', ...two });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().predictions).toHaveLength(2);
    expect(res.json().predictions.map((p: { label: string }) => p.label)).toEqual(['3', '7']);
  });

  it.each([
    ['unknown model', '/api/models/nope/predict', { inputs: SETOSA }, 404, 'MODEL_NOT_FOUND'],
    // The alias is checked before the route cache is asked (resolveCached), as on a cache miss.
    [
      'alias of digits only',
      '/api/models/iris/predict?alias=12',
      { inputs: SETOSA },
      400,
      'INVALID_ALIAS_NAME',
    ],
    ['unknown alias', '/api/models/iris/predict?alias=nope', { inputs: SETOSA }, 404, 'ALIAS_NOT_FOUND'],
    [
      'wrong feature name',
      '/api/models/iris/predict',
      { inputs: { ...SETOSA, petal_colour: 1 } },
      400,
      'UNKNOWN_FEATURE',
    ],
    ['missing feature', '/api/models/iris/predict', { inputs: { sepal_length: 1 } }, 400, 'MISSING_FEATURE'],
    [
      'non-numeric feature',
      '/api/models/iris/predict',
      { inputs: { ...SETOSA, sepal_length: 'x' } },
      400,
      'INVALID_INPUT',
    ],
    ['row of the wrong width', '/api/models/iris/predict', { inputs: [1, 2, 3] }, 400, 'INVALID_INPUT'],
    ['no inputs', '/api/models/iris/predict', {}, 400, 'VALIDATION_FAILED'],
    [
      'unknown body field',
      '/api/models/iris/predict',
      { inputs: SETOSA, extra: 1 },
      400,
      'VALIDATION_FAILED',
    ],
    ['image for a tabular model', '/api/models/iris/predict', { image: 'aGVsbG8=' }, 400, 'INVALID_INPUT'],
    ['features for an image model', '/api/models/digits/predict', { inputs: SETOSA }, 400, 'INVALID_INPUT'],
    [
      'base64 that is no image',
      '/api/models/digits/predict',
      { image: 'aGVsbG8gd29ybGQ=' },
      400,
      'INVALID_IMAGE',
    ],
    ['text that is no base64', '/api/models/digits/predict', { image: '%%%' }, 400, 'INVALID_IMAGE'],
    ['unknown version', '/api/models/iris/predict?version=7', { inputs: SETOSA }, 404, 'VERSION_NOT_FOUND'],
    ['unknown alias', '/api/models/iris/predict?alias=staging', { inputs: SETOSA }, 404, 'ALIAS_NOT_FOUND'],
  ])('%s → %i %s', async (_name, url, payload, status, code) => {
    expectError(await inject({ method: 'POST', url, payload }), status, code);
    await expectStillServing();
  });

  it('answers malformed JSON with MALFORMED_JSON', async () => {
    const res = await inject({
      method: 'POST',
      url: '/api/models/iris/predict',
      headers: { 'content-type': 'application/json' },
      payload: '{"inputs": {',
    });
    expectError(res, 400, 'MALFORMED_JSON');
    await expectStillServing();
  });

  it('answers a non-image multipart upload with INVALID_IMAGE', async () => {
    const body = multipart([
      { name: 'image', filename: 'notes.txt', type: 'text/plain', data: 'hello, not a picture' },
    ]);
    expectError(
      await inject({ method: 'POST', url: '/api/models/digits/predict', ...body }),
      400,
      'INVALID_IMAGE',
    );
    await expectStillServing();
  });

  it('answers unknown routes with a JSON 404', async () => {
    expectError(await inject({ url: '/api/nothing-here' }), 404, 'NOT_FOUND');
  });
});

describe('Open Inference Protocol v2', () => {
  const irisInput = (data: unknown, extra: Record<string, unknown> = {}) => ({
    inputs: [{ name: 'input', shape: [2, 4], datatype: 'FP32', data }],
    ...extra,
  });

  it('serves server metadata and health', async () => {
    const meta = await inject({ url: '/v2' });
    expect(meta.json()).toMatchObject({
      name: 'modelgarden',
      version: expect.any(String),
      extensions: ['binary_tensor_data'],
    });
    expect((await inject({ url: '/v2/health/live' })).statusCode).toBe(200);
    expect((await inject({ url: '/v2/health/ready' })).statusCode).toBe(200);
  });

  it('serves model metadata with dynamic dimensions as -1, with and without a version', async () => {
    for (const url of ['/v2/models/iris', '/v2/models/iris/versions/1']) {
      const res = await inject({ url });
      expect(res.json()).toEqual({
        name: 'iris',
        versions: ['1'],
        platform: 'onnx_onnxv1',
        inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }],
        outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 3] }],
      });
    }
    const ready = await inject({ url: '/v2/models/iris/versions/1/ready' });
    expect(ready.json()).toEqual({ name: 'iris', ready: true });
  });

  it('infers with flat and nested data, echoes id and honours requested outputs', async () => {
    const flat = await inject({
      method: 'POST',
      url: '/v2/models/iris/infer',
      payload: irisInput([5.1, 3.5, 1.4, 0.2, 6.9, 3.1, 5.4, 2.1], { id: 'req-7' }),
    });
    expect(flat.statusCode, flat.body).toBe(200);
    const body = flat.json();
    expect(body).toMatchObject({ model_name: 'iris', model_version: '1', id: 'req-7' });
    expect(body.outputs[0]).toMatchObject({ name: 'probabilities', datatype: 'FP32', shape: [2, 3] });
    expect(body.outputs[0].data[0]).toBeGreaterThan(0.9);
    expect(body.outputs[0].data[5]).toBeGreaterThan(0.5);
    const nested = await inject({
      method: 'POST',
      url: '/v2/models/iris/versions/1/infer',
      payload: irisInput(
        [
          [5.1, 3.5, 1.4, 0.2],
          [6.9, 3.1, 5.4, 2.1],
        ],
        { outputs: [{ name: 'probabilities' }] },
      ),
    });
    expect(nested.json().outputs[0].data).toEqual(body.outputs[0].data);
  });

  it.each([
    ['wrong shape', irisInput([1, 2, 3, 4, 5, 6], {}), 'shape'],
    [
      'wrong datatype',
      { inputs: [{ name: 'input', shape: [1, 4], datatype: 'INT32', data: [1, 2, 3, 4] }] },
      'datatype',
    ],
    [
      'rank mismatch',
      { inputs: [{ name: 'input', shape: [4], datatype: 'FP32', data: [1, 2, 3, 4] }] },
      'shape',
    ],
    [
      'unknown input',
      { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] },
      'Unknown input',
    ],
    [
      'strings as FP32',
      { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: ['a', 2, 3, 4] }] },
      'number',
    ],
    [
      'unknown output',
      { ...irisInput([1, 2, 3, 4, 5, 6, 7, 8]), outputs: [{ name: 'nope' }] },
      'Unknown output',
    ],
    ['no inputs', { inputs: [] }, 'Invalid request'],
  ])('answers %s with 400 {"error": string}', async (_name, payload, fragment) => {
    const res = await inject({ method: 'POST', url: '/v2/models/iris/infer', payload: payload as object });
    expect(res.statusCode, res.body).toBe(400);
    expect(typeof res.json().error).toBe('string');
    expect(res.json().error).toContain(fragment);
  });

  it('answers an unknown model with 404 {"error": string} and malformed JSON with 400', async () => {
    const res = await inject({ url: '/v2/models/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'Model "nope" not found' });
    const bad = await inject({
      method: 'POST',
      url: '/v2/models/iris/infer',
      headers: { 'content-type': 'application/json' },
      payload: '{"inputs": [',
    });
    expect(bad.statusCode).toBe(400);
    expect(typeof bad.json().error).toBe('string');
    await expectStillServing();
  });
});

describe('metrics', () => {
  it('exposes HTTP request metrics by route template in the Prometheus format', async () => {
    await predictIris({ inputs: SETOSA });
    const res = await inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toMatch(
      /http_server_request_duration_seconds_count\{http_request_method="POST",http_route="\/api\/models\/:name\/predict",http_response_status_class="2xx"\} [1-9]/,
    );
    expect(res.body).not.toContain('/api/models/iris/predict');
    expect(res.body).toContain('process_cpu_seconds_total');
  });
});

describe('OpenAPI', () => {
  it('documents every route at /docs/json as OpenAPI 3.1, with an interactive page at /docs', async () => {
    const doc = (await inject({ url: '/docs/json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    for (const p of [
      '/api/models',
      '/api/models/{name}/predict',
      '/v2/models/{name}/infer',
      '/health/ready',
    ]) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
    const page = await inject({ url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('swagger');
  });
});
