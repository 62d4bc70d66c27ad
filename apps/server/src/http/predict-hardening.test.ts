/**
 * Issue 18.10 and 18.11: pictures outside PNG/JPEG/WebP/GIF are refused before any decoder runs,
 * and onnxruntime's own error text (source paths, line numbers, C++ signatures) stays in the
 * server's log while the client hears which input and which shape.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, expectClientError, startAttackServer } from '../test-support/attack-server.js';
import { reshapeModel } from '../test-support/hostile-files.js';
import { multipart, type TestServer } from '../test-support/test-server.js';

let server: TestServer;
let tiff: Buffer;
beforeAll(async () => {
  server = await startAttackServer({ MAX_UPLOAD_MB: '1' });
  tiff = await sharp({ create: { width: 28, height: 28, channels: 3, background: '#ffffff' } })
    .tiff()
    .toBuffer();
});
afterAll(() => server?.close());

const PREDICT = '/api/models/digits/predict';
/** A picture sent base64 in JSON to the digits model. */
const predictImage = (bytes: Buffer) =>
  server.app.inject({
    method: 'POST',
    url: PREDICT,
    headers: AUTH,
    payload: { image: bytes.toString('base64') },
  });

describe('issue 18.10', () => {
  it('TIFF images are refused before any decoder runs, as JSON and as multipart (issue 18.10)', async () => {
    const json = await predictImage(tiff);
    expectClientError(json, PREDICT, 'INVALID_IMAGE');
    expect(json.json().error.message).toMatch(/send PNG, JPEG, WebP or GIF/);
    const form = multipart([{ name: 'image', filename: 'd.tiff', type: 'image/tiff', data: tiff }]);
    const upload = await server.app.inject({
      method: 'POST',
      url: PREDICT,
      payload: form.payload,
      headers: { ...AUTH, ...form.headers },
    });
    expectClientError(upload, PREDICT, 'INVALID_IMAGE');
  });

  it.each([
    ['BMP', Buffer.concat([Buffer.from('BM'), Buffer.alloc(64)])],
    ['SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="28" height="28"/>')],
    ['a PNG signature cut short', Buffer.from([0x89, 0x50, 0x4e, 0x47])],
  ])(
    'anything outside PNG/JPEG/WebP/GIF is refused by its first bytes: %s (issue 18.10)',
    async (_what, bytes) => {
      expectClientError(await predictImage(bytes), PREDICT, 'INVALID_IMAGE');
    },
  );
});

describe('issue 18.11', () => {
  it('onnxruntime internals are stripped from client errors; the input and shapes stay (issue 18.11)', async () => {
    const form = multipart([{ name: 'file', filename: 'reshaper.onnx', data: reshapeModel() }]);
    const push = await server.app.inject({
      method: 'POST',
      url: '/api/models/reshaper/versions',
      payload: form.payload,
      headers: { ...AUTH, ...form.headers },
    });
    expect(push.statusCode, push.body).toBe(201);
    const url = '/v2/models/reshaper/infer';
    const res = await server.app.inject({
      method: 'POST',
      url,
      headers: AUTH,
      payload: { inputs: [{ name: 'x', datatype: 'FP32', shape: [3], data: [1, 2, 3] }] },
    });
    expectClientError(res, url);
    const message: string = res.json().error;
    expect(message).toMatch(/reshaped/);
    expect(message).toMatch(/\{3\}/);
    // No source file, line number or C++ signature of the library.
    expect(message).not.toMatch(/\.(h|cc|cpp)\b|:\d+ |onnxruntime::|was false|\/onnxruntime/);
    const fine = await server.app.inject({
      method: 'POST',
      url,
      headers: AUTH,
      payload: { inputs: [{ name: 'x', datatype: 'FP32', shape: [4], data: [1, 2, 3, 4] }] },
    });
    expect(fine.statusCode, fine.body).toBe(200);
    // The same in a worker thread (executor: worker), whose errors cross to the main thread.
    const worker = await server.app.inject({
      method: 'PUT',
      url: '/api/models/reshaper/versions/1/serving-config',
      headers: AUTH,
      payload: { executor: 'worker' },
    });
    expect(worker.statusCode, worker.body).toBe(200);
    const inWorker = await server.app.inject({
      method: 'POST',
      url,
      headers: AUTH,
      payload: { inputs: [{ name: 'x', datatype: 'FP32', shape: [5], data: [1, 2, 3, 4, 5] }] },
    });
    expectClientError(inWorker, url);
    expect(inWorker.json().error).toMatch(/Input shape:\{5\}/);
    expect(inWorker.json().error).not.toMatch(/\.(h|cc|cpp)\b|onnxruntime::|was false/);
  });
});
