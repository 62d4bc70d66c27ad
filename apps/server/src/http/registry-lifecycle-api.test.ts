/**
 * The registry lifecycle over HTTP on the real stack: promote, history, rollback, schema flag and
 * force, traffic splits (header + OIP model_version) with a shadow, archive/delete, metadata edits,
 * model search, and every bad input answered with its code.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IRIS_ONNX, multipart, startTestServer, type TestServer } from '../test-support/test-server.js';

const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
const SETOSA = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };

let server: TestServer;
let irisBytes: Buffer;

beforeAll(async () => {
  server = await startTestServer();
  irisBytes = await readFile(IRIS_ONNX);
});
afterAll(() => server?.close());

const inject = (opts: InjectOptions) => server.app.inject(opts);

function expectError(res: { statusCode: number; json(): unknown }, status: number, code: string) {
  expect(res.statusCode, JSON.stringify(res.json())).toBe(status);
  expect((res.json() as { error: { code: string } }).error.code).toBe(code);
}

function pushIris(
  model: string,
  metadata: object,
  headers: Record<string, string> = {},
  file: Buffer = irisBytes,
) {
  const body = multipart([
    { name: 'metadata', data: JSON.stringify(metadata) },
    { name: 'file', filename: 'iris.onnx', data: file },
  ]);
  return inject({
    method: 'POST',
    url: `/api/models/${model}/versions`,
    ...body,
    headers: { ...body.headers, ...headers },
  });
}

const setAlias = (model: string, alias: string, payload: object) =>
  inject({ method: 'PUT', url: `/api/models/${model}/aliases/${alias}`, payload });

describe('promotion, history and rollback', () => {
  it('promotes a second iris version and rolls back in one call', async () => {
    const v2 = await pushIris('iris', { description: 'retrained' });
    expect(v2.statusCode, v2.body).toBe(201);
    expect(v2.json()).toMatchObject({ version: 2, schemaChange: null, featureNames: FEATURES });
    expect((await setAlias('iris', 'production', { version: 2 })).json()).toMatchObject({ version: 2 });
    const predicted = await inject({
      method: 'POST',
      url: '/api/models/iris/predict',
      payload: { inputs: SETOSA },
    });
    expect(predicted.json().version).toBe(2);
    expect(predicted.headers['x-model-version']).toBe('2');

    const back = await inject({ method: 'POST', url: '/api/models/iris/aliases/production/rollback' });
    expect(back.statusCode, back.body).toBe(200);
    expect(back.json()).toMatchObject({ alias: 'production', version: 1 });
    const history = await inject({ url: '/api/models/iris/aliases/production/history' });
    expect(
      history
        .json()
        .history.map((h: { action: string; fromVersion: number; toVersion: number }) => [
          h.action,
          h.fromVersion,
          h.toVersion,
        ]),
    ).toEqual([
      ['rollback', 2, 1],
      ['set', 1, 2],
      ['set', null, 1],
    ]);
    expect(history.json().history[0]).toMatchObject({ actor: null, at: expect.any(String) });
  });

  it('flags a push whose inputs differ from production, and needs force to promote it', async () => {
    const reordered = [...FEATURES].reverse();
    const v3 = await pushIris('iris', { featureNames: reordered });
    expect(v3.json().schemaChange).toEqual({
      comparedTo: { alias: 'production', version: 1 },
      diff: { added: [], removed: [], changed: [], featureNames: { before: FEATURES, after: reordered } },
    });
    const refused = await setAlias('iris', 'production', { version: 3 });
    expectError(refused, 409, 'SCHEMA_CHANGE_NEEDS_FORCE');
    expect(refused.json().error.details).toMatchObject({ from: 1, to: 3 });
    expect((await setAlias('iris', 'production', { version: 3, force: true })).statusCode).toBe(200);
    expect(
      (await inject({ method: 'POST', url: '/api/models/iris/aliases/production/rollback' })).json().version,
    ).toBe(1);
  });
});

describe('traffic split and shadow', () => {
  it('honours a 90/10 split within 3 % over 2,000 requests, naming the version in the header and OIP', async () => {
    const split = await setAlias('iris', 'production', {
      targets: [
        { version: 1, weight: 90 },
        { version: 2, weight: 10 },
      ],
      shadow: { version: 3, percent: 100 },
    });
    expect(split.statusCode, split.body).toBe(200);
    expect(split.json()).toMatchObject({ version: 1, shadow: { version: 3, percent: 100 } });
    // The registry contract checks 10,000 resolutions; over HTTP 2,000 keep the suite fast (±3 % is 4.5 sd).
    const counts: Record<string, number> = {};
    const infer = {
      inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0.2] }],
    };
    for (let batch = 0; batch < 40; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 50 }, () =>
          inject({ method: 'POST', url: '/v2/models/iris/infer', payload: infer }),
        ),
      );
      for (const res of answers) {
        const header = String(res.headers['x-model-version']);
        expect(res.json().model_version).toBe(header);
        counts[header] = (counts[header] ?? 0) + 1;
      }
    }
    expect(Math.abs((counts['2'] ?? 0) / 2_000 - 0.1)).toBeLessThan(0.03);
    expect(counts['3']).toBeUndefined();
    await server.app.shadows.idle();
    const recent = server.app.shadows.recent.at(-1)!;
    expect(recent).toMatchObject({ model: 'iris', alias: 'production', shadowVersion: 3, status: 200 });
    expect(JSON.parse(recent.answer)).toMatchObject({ model_name: 'iris', model_version: '3' });
  });

  it('copies friendly predictions to the shadow without changing the answer', async () => {
    const res = await inject({
      method: 'POST',
      url: '/api/models/iris/predict',
      payload: { inputs: SETOSA },
    });
    expect(res.json().version).not.toBe(3);
    await server.app.shadows.idle();
    expect(JSON.parse(server.app.shadows.recent.at(-1)!.answer)).toMatchObject({ model: 'iris', version: 3 });
  });

  it('rejects malformed splits', async () => {
    expectError(await setAlias('iris', 'canary', {}), 400, 'INVALID_ALIAS_ROUTE');
    expectError(
      await setAlias('iris', 'canary', {
        targets: [
          { version: 1, weight: 1 },
          { version: 1, weight: 1 },
        ],
      }),
      400,
      'INVALID_ALIAS_ROUTE',
    );
    expectError(
      await setAlias('iris', 'canary', { targets: [{ version: 1, weight: -1 }] }),
      400,
      'VALIDATION_FAILED',
    );
    expectError(await setAlias('iris', 'canary', { version: 99 }), 404, 'VERSION_NOT_FOUND');
    expectError(await setAlias('iris', 'canary', { version: 1, extra: true }), 400, 'VALIDATION_FAILED');
  });
});

describe('archive and delete', () => {
  it('refuses while an alias uses the version, archives, restores and deletes', async () => {
    expectError(
      await inject({ method: 'POST', url: '/api/models/iris/versions/3/archive' }),
      409,
      'VERSION_IN_USE',
    );
    expectError(
      await inject({ method: 'DELETE', url: '/api/models/iris/versions/2' }),
      409,
      'VERSION_IN_USE',
    );
    await setAlias('iris', 'production', { version: 1 });
    const archived = await inject({ method: 'POST', url: '/api/models/iris/versions/3/archive' });
    expect(archived.json()).toMatchObject({ version: 3, archived: true });
    expectError(
      await inject({
        method: 'POST',
        url: '/api/models/iris/predict?version=3',
        payload: { inputs: SETOSA },
      }),
      409,
      'VERSION_ARCHIVED',
    );
    expectError(await setAlias('iris', 'staging', { version: 3 }), 409, 'VERSION_ARCHIVED');
    expect(
      (await inject({ method: 'POST', url: '/api/models/iris/versions/3/restore' })).json().archived,
    ).toBe(false);
    const deleted = await inject({ method: 'DELETE', url: '/api/models/iris/versions/3' });
    // Version 1 has the same bytes, so the artifact stays.
    expect(deleted.json()).toEqual({ model: 'iris', version: 3, deleted: true, artifactRemoved: false });
    expectError(await inject({ url: '/api/models/iris/versions/3' }), 404, 'VERSION_NOT_FOUND');
  });
});

describe('metadata and models', () => {
  it('edits version metadata and rejects what contradicts the schema', async () => {
    const res = await inject({
      method: 'PATCH',
      url: '/api/models/iris/versions/2',
      payload: { description: 'canary build', metrics: { accuracy: 0.95 }, tags: { stage: 'canary' } },
    });
    expect(res.json()).toMatchObject({ description: 'canary build', metrics: { accuracy: 0.95 } });
    expectError(
      await inject({ method: 'PATCH', url: '/api/models/iris/versions/2', payload: { featureNames: ['a'] } }),
      400,
      'INVALID_METADATA',
    );
    expectError(
      await inject({ method: 'PATCH', url: '/api/models/iris/versions/2', payload: { sha256: 'x' } }),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('creates, tags, searches and pages models', async () => {
    const created = await inject({
      method: 'POST',
      url: '/api/models',
      payload: { name: 'churn', description: 'Customer churn', tags: { team: 'growth' } },
    });
    expect(created.statusCode).toBe(201);
    expectError(
      await inject({ method: 'POST', url: '/api/models', payload: { name: 'churn' } }),
      409,
      'MODEL_EXISTS',
    );
    expectError(
      await inject({ method: 'POST', url: '/api/models', payload: { name: 'Bad Name' } }),
      400,
      'INVALID_MODEL_NAME',
    );
    await inject({
      method: 'PATCH',
      url: '/api/models/churn',
      payload: { tags: { team: 'growth', tier: '1' } },
    });
    const byTag = await inject({ url: '/api/models?tag=tier:1' });
    expect(byTag.json()).toMatchObject({ total: 1, models: [{ name: 'churn', tags: { tier: '1' } }] });
    const byTask = await inject({ url: '/api/models?task=image-classification' });
    expect(byTask.json().models.map((m: { name: string }) => m.name)).toEqual(['digits']);
    const page = await inject({ url: '/api/models?limit=1&offset=1' });
    expect(page.json()).toMatchObject({ limit: 1, offset: 1, total: 3, models: [{ name: 'digits' }] });
    expectError(await inject({ url: '/api/models?limit=0' }), 400, 'VALIDATION_FAILED');
    expectError(await inject({ url: '/api/models?task=poetry' }), 400, 'VALIDATION_FAILED');
  });

  it('answers alias errors with their codes', async () => {
    expectError(
      await inject({ method: 'POST', url: '/api/models/digits/aliases/staging/rollback' }),
      409,
      'NO_ROLLBACK_TARGET',
    );
    expectError(
      await inject({ method: 'DELETE', url: '/api/models/digits/aliases/staging' }),
      404,
      'ALIAS_NOT_FOUND',
    );
    expectError(await inject({ url: '/api/models/nope/aliases/production/history' }), 404, 'MODEL_NOT_FOUND');
    expectError(await inject({ url: '/api/models/iris/aliases/123/history' }), 400, 'INVALID_ALIAS_NAME');
    expect((await inject({ url: '/api/models/iris/aliases' })).json().aliases).toEqual([
      expect.objectContaining({ alias: 'production', version: 1, targets: [{ version: 1, weight: 100 }] }),
    ]);
  });
});

describe('Idempotency-Key', () => {
  it('replays the first answer and creates nothing twice', async () => {
    const headers = { 'idempotency-key': 'push-flowers-1' };
    const first = await pushIris('idem-flowers', { featureNames: FEATURES }, headers);
    const again = await pushIris('idem-flowers', { featureNames: FEATURES }, headers);
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect((await inject({ url: '/api/models/idem-flowers' })).json().versionCount).toBe(1);

    const promote = () =>
      inject({
        method: 'PUT',
        url: '/api/models/idem-flowers/aliases/production',
        payload: { version: 1 },
        headers: { 'idempotency-key': 'promote-1' },
      });
    expect((await promote()).statusCode).toBe(200);
    expect((await promote()).headers['idempotent-replayed']).toBe('true');
    expect(
      (await inject({ url: '/api/models/idem-flowers/aliases/production/history' })).json().history,
    ).toHaveLength(1);
  });

  it('answers 422 for the same key with a different body, and 400 for a malformed key', async () => {
    const create = (name: string, key: string) =>
      inject({ method: 'POST', url: '/api/models', payload: { name }, headers: { 'idempotency-key': key } });
    expect((await create('idem-a', 'create-1')).statusCode).toBe(201);
    expectError(await create('idem-b', 'create-1'), 422, 'IDEMPOTENCY_KEY_REUSED');
    expectError(await create('idem-c', ' '), 400, 'INVALID_IDEMPOTENCY_KEY');
    expect((await inject({ url: '/api/models?q=idem-' })).json().total).toBe(2);
  });

  it('fingerprints a push by its file and fields, not its length', async () => {
    const headers = { 'idempotency-key': 'push-bytes-1' };
    const meta = { featureNames: FEATURES, description: 'aaaa' };
    const first = await pushIris('idem-bytes', meta, headers);
    expect(first.statusCode).toBe(201);

    // Another file of the same size: the body has the same length, but it is another request.
    const other = Buffer.from(irisBytes);
    other.writeUInt8(other.readUInt8(other.length - 1) ^ 0xff, other.length - 1);
    expectError(await pushIris('idem-bytes', meta, headers, other), 422, 'IDEMPOTENCY_KEY_REUSED');
    // The same file with a metadata value of the same length.
    expectError(
      await pushIris('idem-bytes', { ...meta, description: 'bbbb' }, headers),
      422,
      'IDEMPOTENCY_KEY_REUSED',
    );

    const again = await pushIris('idem-bytes', meta, headers);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect((await inject({ url: '/api/models/idem-bytes' })).json().versionCount).toBe(1);
    // The uploads compared against the key were staged and discarded.
    expect(await readdir(path.join(server.dataDir, 'artifacts', 'tmp'))).toEqual([]);
  });

  it('answers 409 while an upload with the key streams, and frees the key when its client aborts', async () => {
    const key = 'push-aborted-1';
    const meta = { featureNames: FEATURES };
    const body = multipart([
      { name: 'metadata', data: JSON.stringify(meta) },
      { name: 'file', filename: 'iris.onnx', data: irisBytes },
    ]);
    const tmpDir = path.join(server.dataDir, 'artifacts', 'tmp');
    const socket = connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.on('error', () => {});
    socket.write(
      'POST /api/models/idem-aborted/versions HTTP/1.1\r\nHost: x\r\n' +
        `Content-Type: ${body.headers['content-type']}\r\nContent-Length: ${body.payload.length}\r\n` +
        `Idempotency-Key: ${key}\r\n\r\n`,
    );
    // Everything but the file's last bytes: the upload is being staged when the client goes.
    socket.write(body.payload.subarray(0, body.payload.length - 200));
    for (let i = 0; i < 200 && !(existsSync(tmpDir) && (await readdir(tmpDir)).length > 0); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await readdir(tmpDir)).length).toBe(1);
    expectError(
      await pushIris('idem-aborted', meta, { 'idempotency-key': key }),
      409,
      'IDEMPOTENCY_KEY_IN_PROGRESS',
    );

    socket.destroy();
    let retry = await pushIris('idem-aborted', meta, { 'idempotency-key': key });
    for (let i = 0; i < 100 && retry.statusCode === 409; i++) {
      await new Promise((r) => setTimeout(r, 20));
      retry = await pushIris('idem-aborted', meta, { 'idempotency-key': key });
    }
    expect(retry.statusCode, retry.body).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(
      (await pushIris('idem-aborted', meta, { 'idempotency-key': key })).headers['idempotent-replayed'],
    ).toBe('true');
    expect((await inject({ url: '/api/models/idem-aborted' })).json().versionCount).toBe(1);
    expect(await readdir(tmpDir)).toEqual([]);
  });

  it('releases the key of an upload refused before it was fingerprinted', async () => {
    const key = 'push-bad-part-1';
    const bad = multipart([
      { name: 'surprise', data: 'x' },
      { name: 'file', filename: 'iris.onnx', data: irisBytes },
    ]);
    const res = await inject({
      method: 'POST',
      url: '/api/models/idem-bad-part/versions',
      ...bad,
      headers: { ...bad.headers, 'idempotency-key': key },
    });
    expectError(res, 400, 'BAD_REQUEST');
    const ok = await pushIris('idem-bad-part', { featureNames: FEATURES }, { 'idempotency-key': key });
    expect(ok.statusCode).toBe(201);
    expect(ok.headers['idempotent-replayed']).toBeUndefined();
  });

  it('replays error answers too, but lets a request retry after a server error', async () => {
    const dup = () =>
      inject({
        method: 'POST',
        url: '/api/models',
        payload: { name: 'churn' },
        headers: { 'idempotency-key': 'dup-1' },
      });
    expectError(await dup(), 409, 'MODEL_EXISTS');
    const replay = await dup();
    expectError(replay, 409, 'MODEL_EXISTS');
    expect(replay.headers['idempotent-replayed']).toBe('true');
  });
});
