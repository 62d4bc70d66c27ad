/**
 * The serving engine over real HTTP: batching correctness, backpressure (429 + Retry-After),
 * deadlines (504), client disconnects, hot swap under load, binary tensors, the serving-config API.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tensorPool } from '../../serving/tensor-pool.js';
import { OnnxGraph } from '../../test-support/onnx-builder.js';
import { IRIS_ONNX, multipart, startTestServer, type TestServer } from '../../test-support/test-server.js';

let server: TestServer;

// biome-ignore lint/suspicious/noExplicitAny: the tests read arbitrary JSON bodies
type Body = any;
interface JsonResponse extends Response {
  json(): Promise<Body>;
}
const post = (url: string, init: RequestInit) => fetch(`${server.url}${url}`, init) as Promise<JsonResponse>;

const json = (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) =>
  post(url, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

async function push(name: string, bytes: Buffer) {
  const form = multipart([
    { name: 'file', filename: 'iris.onnx', data: bytes },
    {
      name: 'metadata',
      data: JSON.stringify({
        labels: ['setosa', 'versicolor', 'virginica'],
        featureNames: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'],
      }),
    },
  ]);
  const res = await server.app.inject({ method: 'POST', url: `/api/models/${name}/versions`, ...form });
  expect(res.statusCode, res.body).toBe(201);
}

const setConfig = async (name: string, version: number, config: object) => {
  const res = await json('PUT', `/api/models/${name}/versions/${version}/serving-config`, config);
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json();
};

const rowsOf = (n: number, seed: number) =>
  Array.from({ length: n * 4 }, (_, i) => Math.round(((seed * 7 + i * 3) % 70) + 10) / 10);

const infer = (name: string, rows: number, seed: number, extra: object = {}) =>
  json('POST', `/v2/models/${name}/infer`, {
    inputs: [{ name: 'input', datatype: 'FP32', shape: [rows, 4], data: rowsOf(rows, seed) }],
    ...extra,
  });

const SETOSA = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };

beforeAll(async () => {
  server = await startTestServer({ seedDemoModels: false, logLevel: process.env.DBG ? 'error' : 'silent' });
  const bytes = await readFile(IRIS_ONNX);
  await push('iris', bytes);
  await push('swap', bytes);
  await push('swap', bytes);
  const alias = await json('PUT', '/api/models/swap/aliases/production', { version: 1 });
  expect(alias.status).toBe(200);
});
afterAll(() => server?.close());

describe('dynamic batching', () => {
  it('gives concurrent clients with mixed batch sizes exactly the outputs of one-at-a-time runs', async () => {
    await setConfig('iris', 1, { maxBatchSize: 64, maxQueueDelayMs: 20 });
    const sizes = Array.from({ length: 24 }, (_, i) => 1 + (i % 4));
    const batched = await Promise.all(sizes.map((n, i) => infer('iris', n, i).then((r) => r.json())));
    const batches = await server.context.metrics.inferenceBatchSize.get();
    const largest = batches.values.find((v) => v.metricName?.endsWith('_sum'));
    const executions = (await server.context.metrics.inferenceExecutions.get()).values[0]?.value ?? 0;
    expect(largest?.value).toBeGreaterThan(0);
    expect(executions).toBeLessThan(sizes.length); // requests were merged

    await setConfig('iris', 1, { maxBatchSize: 1 });
    for (const [i, n] of sizes.entries()) {
      const alone = await (await infer('iris', n, i)).json();
      expect(batched[i].outputs).toEqual(alone.outputs);
      expect(alone.outputs[0].shape).toEqual([n, 3]);
    }
    await setConfig('iris', 1, {});
  });
});

describe('backpressure and deadlines', () => {
  it('answers 429 with Retry-After when the queue is full, on both protocols', async () => {
    await setConfig('iris', 1, { maxQueue: 1, maxBatchSize: 64, maxQueueDelayMs: 400 });
    const waiting = infer('iris', 1, 1);
    await new Promise((r) => setTimeout(r, 50));
    const oip = await infer('iris', 1, 2);
    expect(oip.status).toBe(429);
    expect(Number(oip.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(typeof (await oip.json()).error).toBe('string');
    const friendly = await json('POST', '/api/models/iris/predict', { inputs: SETOSA });
    expect(friendly.status).toBe(429);
    expect(friendly.headers.get('retry-after')).not.toBeNull();
    expect((await friendly.json()).error.code).toBe('QUEUE_FULL');
    expect((await waiting).status).toBe(200);
    await setConfig('iris', 1, {});
  });

  it('answers 504 when a request passes its deadline, and drops it from the queue', async () => {
    await setConfig('iris', 1, { maxBatchSize: 64, maxQueueDelayMs: 400 });
    const friendly = await json('POST', '/api/models/iris/predict?timeoutMs=30', { inputs: SETOSA });
    expect(friendly.status).toBe(504);
    expect((await friendly.json()).error.code).toBe('DEADLINE_EXCEEDED');
    const oip = await infer('iris', 1, 1, { parameters: { timeout: 30_000 } });
    expect(oip.status).toBe(504);
    const loaded = await server.context.models.get(await server.context.registry.getVersion('iris', 1));
    expect(loaded.scheduler.depth).toBe(0);
    await setConfig('iris', 1, {});
  });

  it('removes the queued request of a client that disconnects', async () => {
    await setConfig('iris', 1, { maxBatchSize: 64, maxQueueDelayMs: 1000 });
    const loaded = await server.context.models.get(await server.context.registry.getVersion('iris', 1));
    const abort = new AbortController();
    const request = fetch(`${server.url}/v2/models/iris/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: rowsOf(1, 0) }],
      }),
      signal: abort.signal,
    }).catch(() => 'aborted');
    await expect.poll(() => loaded.scheduler.depth, { interval: 5 }).toBe(1);
    abort.abort();
    expect(await request).toBe('aborted');
    await expect.poll(() => loaded.scheduler.depth, { interval: 5, timeout: 500 }).toBe(0);
    const cancelled = (await server.context.metrics.inferenceRequests.get()).values.find(
      (v) => v.labels.model === 'iris' && v.labels.outcome === 'cancelled',
    );
    expect(cancelled?.value).toBe(1);
    await setConfig('iris', 1, {});
  });
});

describe('hot swap', () => {
  it('moves production under steady load with zero failed requests, then unloads the old version', async () => {
    const { models } = server.context;
    expect(models.isLoaded('swap', 1)).toBe(true);
    const seen: number[] = [];
    const failures: string[] = [];
    let stop = false;
    const client = async () => {
      while (!stop) {
        const res = await json('POST', '/api/models/swap/predict', { inputs: SETOSA });
        if (res.status !== 200) failures.push(`${res.status} ${await res.text()}`);
        else seen.push((await res.json()).version);
      }
    };
    const clients = Array.from({ length: 8 }, client);
    await new Promise((r) => setTimeout(r, 200));
    const moved = await json('PUT', '/api/models/swap/aliases/production', { version: 2 });
    expect(moved.status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await Promise.all(clients);
    expect(failures).toEqual([]);
    expect(seen[0]).toBe(1);
    expect(seen.at(-1)).toBe(2);
    expect(seen.length).toBeGreaterThan(20);
    await expect.poll(() => models.isLoaded('swap', 1), { timeout: 3000, interval: 20 }).toBe(false);
    expect(models.isLoaded('swap', 2)).toBe(true);
  });
});

describe('large binary tensors (the pooled tensor path)', () => {
  const WIDTH = 8192; // 32 KB a row: above the pool's threshold
  const row = (seed: number) =>
    Float32Array.from({ length: WIDTH }, (_, i) => ((i * 7 + seed * 13) % 101) / 101);

  /** An OIP binary request; `pad` spaces in the JSON header shift the tensor's offset (alignment). */
  const binaryInfer = (name: string, data: Float32Array, pad: number) => {
    const header = Buffer.from(
      JSON.stringify({
        inputs: [
          {
            name: 'input',
            datatype: 'FP32',
            shape: [1, WIDTH],
            parameters: { binary_data_size: data.byteLength },
          },
        ],
      }) + ' '.repeat(pad),
    );
    return post(`/v2/models/${name}/infer`, {
      method: 'POST',
      headers: {
        'content-type': 'application/octet-stream',
        'inference-header-content-length': String(header.length),
      },
      body: Buffer.concat([header, Buffer.from(data.buffer)]),
    }).then(async (r) => {
      expect(r.status, await r.clone().text()).toBe(200);
      return (await r.json()).outputs[0].data as number[];
    });
  };

  it('gives the same answers as JSON tensors, aligned or not, batched, inline and in worker threads', async () => {
    const g = new OnnxGraph('wide', 3);
    g.output(g.dense(g.input('input', ['batch', WIDTH]), WIDTH, 4), 'output', ['batch', 4]);
    const form = multipart([
      { name: 'file', filename: 'wide.onnx', data: Buffer.from(g.toBytes()) },
      { name: 'metadata', data: JSON.stringify({ task: 'tensor' }) },
    ]);
    const pushed = await server.app.inject({ method: 'POST', url: '/api/models/wide/versions', ...form });
    expect(pushed.statusCode, pushed.body).toBe(201);
    const rows = Array.from({ length: 12 }, (_, i) => row(i));
    const reference = await Promise.all(
      rows.map(async (r) => {
        const res = await json('POST', '/v2/models/wide/infer', {
          inputs: [{ name: 'input', datatype: 'FP32', shape: [1, WIDTH], data: Array.from(r) }],
        });
        return (await res.json()).outputs[0].data as number[];
      }),
    );
    for (const executor of ['inline', 'worker'] as const) {
      await setConfig('wide', 1, { executor, maxBatchSize: 8, maxQueueDelayMs: 5 });
      // Offsets 0–3 mod 4 of the tensor after the header, all at once so that they batch.
      const answers = await Promise.all(rows.map((r, i) => binaryInfer('wide', r, i % 4)));
      answers.forEach((a, i) => {
        expect(a.length).toBe(4);
        for (const [j, v] of a.entries()) expect(v).toBeCloseTo(reference[i]![j]!, 4);
      });
    }
    // The buffers came back to the pool after their batches (from the worker threads too).
    expect(tensorPool.idleBytes).toBeGreaterThan(0);
    await setConfig('wide', 1, {});

    // A chunked body (no Content-Length) takes the general path, with the same answer; a header
    // length past the body is refused.
    const data = rows[0]!;
    const header = Buffer.from(
      JSON.stringify({
        inputs: [
          {
            name: 'input',
            datatype: 'FP32',
            shape: [1, WIDTH],
            parameters: { binary_data_size: data.byteLength },
          },
        ],
      }),
    );
    const whole = Buffer.concat([header, Buffer.from(data.buffer)]);
    const chunked = await post('/v2/models/wide/infer', {
      method: 'POST',
      headers: {
        'content-type': 'application/octet-stream',
        'inference-header-content-length': String(header.length),
      },
      body: new ReadableStream({
        start(c) {
          c.enqueue(whole.subarray(0, 100));
          c.enqueue(whole.subarray(100));
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(200);
    for (const [j, v] of ((await chunked.json()).outputs[0].data as number[]).entries())
      expect(v).toBeCloseTo(reference[0]![j]!, 4);
    const bad = await post('/v2/models/wide/infer', {
      method: 'POST',
      headers: {
        'content-type': 'application/octet-stream',
        'inference-header-content-length': String(whole.length + 1),
      },
      body: whole,
    });
    expect(bad.status).toBe(400);
  });
});

describe('binary tensor data extension', () => {
  it('takes binary inputs and returns binary outputs equal to the JSON ones', async () => {
    const data = new Float32Array(rowsOf(2, 3));
    const header = Buffer.from(
      JSON.stringify({
        inputs: [
          {
            name: 'input',
            datatype: 'FP32',
            shape: [2, 4],
            parameters: { binary_data_size: data.byteLength },
          },
        ],
        outputs: [{ name: 'probabilities', parameters: { binary_data: true } }],
      }),
    );
    const res = await post('/v2/models/iris/infer', {
      method: 'POST',
      headers: {
        'content-type': 'application/octet-stream',
        'inference-header-content-length': String(header.length),
      },
      body: Buffer.concat([header, Buffer.from(data.buffer)]),
    });
    expect(res.status, res.status === 200 ? '' : await res.clone().text()).toBe(200);
    // Binary answers name the version that served them too (a split alias's client can tell).
    expect(res.headers.get('x-model-version')).toBe('1');
    const length = Number(res.headers.get('inference-header-content-length'));
    const body = Buffer.from(await res.arrayBuffer());
    const meta = JSON.parse(body.subarray(0, length).toString());
    expect(meta.outputs[0]).toMatchObject({
      name: 'probabilities',
      shape: [2, 3],
      parameters: { binary_data_size: 24 },
    });
    const binary = body.subarray(length);
    const probs = Array.from(
      new Float32Array(binary.buffer.slice(binary.byteOffset, binary.byteOffset + 24)),
    );
    const viaJson = await (await infer('iris', 2, 3, { outputs: [{ name: 'probabilities' }] })).json();
    expect(probs).toEqual(viaJson.outputs[0].data);
    expect((await (await json('GET', '/v2')).json()).extensions).toContain('binary_tensor_data');
  });

  it('rejects a binary section that does not match the declared sizes', async () => {
    const header = Buffer.from(
      JSON.stringify({
        inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], parameters: { binary_data_size: 16 } }],
      }),
    );
    const res = await post('/v2/models/iris/infer', {
      method: 'POST',
      headers: {
        'content-type': 'application/octet-stream',
        'inference-header-content-length': String(header.length),
      },
      body: Buffer.concat([header, Buffer.alloc(12)]),
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(/binary/);
  });
});

describe('early load shedding', () => {
  it('refuses a prediction from its headers while the model sheds load, before reading the body', async () => {
    const models = server.context.models;
    const loaded = await models.get(await server.context.registry.getVersion('iris', 1));
    const recently = vi.spyOn(models, 'shedRecently').mockReturnValue(true);
    const sheds = vi.spyOn(loaded.scheduler, 'refuseEarly').mockReturnValue(true);
    try {
      // Malformed JSON: a 429 (not a 400) shows the body was never parsed.
      for (const url of ['/v2/models/iris/versions/1/infer', '/api/models/iris/predict?version=1']) {
        const res = await post(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"nope',
        });
        expect(res.status, url).toBe(429);
        expect(res.headers.get('retry-after')).toBe('1');
      }
      sheds.mockReturnValue(false);
      const bad = await post('/v2/models/iris/versions/1/infer', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"nope',
      });
      expect(bad.status).toBe(400);
      expect((await infer('iris', 1, 1)).status).toBe(200);
    } finally {
      recently.mockRestore();
      sheds.mockRestore();
    }
    // Not shedding anywhere: the check does not run at all.
    const spy = vi.spyOn(loaded.scheduler, 'refuseEarly');
    expect((await infer('iris', 1, 2)).status).toBe(200);
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });
});

describe('serving config API', () => {
  it('shows the stored and effective settings and validates edits', async () => {
    const view = await setConfig('iris', 1, { maxBatchSize: 8 });
    expect(view).toMatchObject({ model: 'iris', version: 1, servingConfig: { maxBatchSize: 8 } });
    expect(view.effective).toMatchObject({ maxBatchSize: 8, maxQueue: 256, instances: 1 });
    const bad = await json('PUT', '/api/models/iris/versions/1/serving-config', { maxBatchSize: 0 });
    expect(bad.status).toBe(400);
    const unknown = await json('PUT', '/api/models/iris/versions/1/serving-config', { nope: 1 });
    expect(unknown.status).toBe(400);
    // The queue target is off unless set, and cannot be negative.
    expect(view.effective.queueTargetMs).toBe(0);
    const negative = await json('PUT', '/api/models/iris/versions/1/serving-config', { queueTargetMs: -1 });
    expect(negative.status).toBe(400);
    expect((await negative.json()).error.code).toBe('VALIDATION_FAILED');
    const got = await (await json('GET', '/api/models/iris/versions/1/serving-config')).json();
    expect(got.servingConfig).toEqual({ maxBatchSize: 8 });
    // The registry's cached routes (kept for a minute on the embedded database) carry the new
    // config at once, so a later load of this version starts with it.
    expect((await json('POST', '/api/models/iris/predict', { inputs: SETOSA })).status).toBe(200);
    expect(server.context.registry.resolveCached('iris', {})?.servingConfig).toEqual({ maxBatchSize: 8 });
    await setConfig('iris', 1, { maxBatchSize: 4 });
    expect((await server.context.registry.resolve('iris', {})).servingConfig).toEqual({ maxBatchSize: 4 });
    await setConfig('iris', 1, { maxBatchSize: 8 });
  });

  it('shows what the engine tuned and why, and that an explicit setting wins', async () => {
    await setConfig('iris', 1, {});
    expect((await infer('iris', 1, 1)).status).toBe(200);
    const view = await (await json('GET', '/api/models/iris/versions/1/serving-config')).json();
    expect(view.tuning.shape).toEqual([4]);
    expect(view.tuning.curve.length).toBeGreaterThan(0);
    const decisions = Object.fromEntries(view.tuning.decisions.map((d: Body) => [d.setting, d]));
    // A sub-millisecond model stays on the event loop, one session.
    expect(decisions.executor).toMatchObject({ value: 'inline', source: 'tuned' });
    expect(decisions.instances).toMatchObject({ value: 1, source: 'tuned' });
    expect(decisions.maxBatchSize.reason).toEqual(expect.any(String));
    expect(view.effective).toMatchObject({ executor: 'inline', maxBatchSize: decisions.maxBatchSize.value });
    const pinned = await setConfig('iris', 1, { maxBatchSize: 8 });
    const pinnedDecisions = Object.fromEntries(pinned.tuning.decisions.map((d: Body) => [d.setting, d]));
    expect(pinnedDecisions.maxBatchSize).toMatchObject({ value: 8, source: 'explicit' });
    expect(pinned.effective.maxBatchSize).toBe(8);
    await setConfig('iris', 1, {});
  });

  it('switches to new sessions when instances change, without failing requests', async () => {
    const view = await setConfig('iris', 1, { instances: 2 });
    expect(view.effective.instances).toBe(2);
    const loaded = await server.context.models.get(await server.context.registry.getVersion('iris', 1));
    expect(loaded.instances).toHaveLength(2);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => infer('iris', 1, i)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    await setConfig('iris', 1, {});
  });

  it('runs instances in worker threads with the same answers, batched, on both protocols', async () => {
    const sizes = Array.from({ length: 16 }, (_, i) => 1 + (i % 4));
    const inline = await Promise.all(sizes.map((n, i) => infer('iris', n, i).then((r) => r.json())));
    const view = await setConfig('iris', 1, { executor: 'worker', instances: 2, maxQueueDelayMs: 5 });
    expect(view.effective).toMatchObject({ executor: 'worker', instances: 2 });
    const loaded = await server.context.models.get(await server.context.registry.getVersion('iris', 1));
    expect(loaded.instances).toHaveLength(2);
    expect(loaded.config.executor).toBe('worker');
    const threaded = await Promise.all(sizes.map((n, i) => infer('iris', n, i).then((r) => r.json())));
    expect(threaded.map((r) => r.outputs)).toEqual(inline.map((r) => r.outputs));
    const predicted = await json('POST', '/api/models/iris/predict', { inputs: SETOSA });
    expect(predicted.status).toBe(200);
    expect((await predicted.json()).predictions[0].label).toBe('setosa');
    const bad = await json('PUT', '/api/models/iris/versions/1/serving-config', { executor: 'gpu' });
    expect(bad.status).toBe(400);
    await setConfig('iris', 1, {});
    const back = await server.context.models.get(await server.context.registry.getVersion('iris', 1));
    expect(back.config.executor).toBe('inline');
  });
});
