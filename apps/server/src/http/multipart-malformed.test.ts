/**
 * Issue 18.5 and 18.6, over real sockets: a multipart body that is cut short or malformed, sent
 * whole by a client that stays connected to read the answer, is a 400 with a code (never 500, never
 * 499 CANCELLED), on the push route and on the friendly predict route.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, expectClientError, startAttackServer } from '../test-support/attack-server.js';
import { rawRequest } from '../test-support/raw-http.js';
import { DIGIT_SAMPLES, IRIS_ONNX, type TestServer } from '../test-support/test-server.js';

const B = 'mgcutboundary';
let server: TestServer;
let iris: Buffer;
let digit: Buffer;

beforeAll(async () => {
  server = await startAttackServer();
  iris = await readFile(IRIS_ONNX);
  digit = await readFile(path.join(DIGIT_SAMPLES, (await import('node:fs')).readdirSync(DIGIT_SAMPLES)[0]!));
});
afterAll(() => server?.close());

const filePart = (name: string, filename: string, data: Buffer) =>
  Buffer.concat([
    Buffer.from(
      `--${B}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\n` +
        'Content-Type: application/octet-stream\r\n\r\n',
    ),
    data,
  ]);

const post = (url: string, body: Buffer | string, type = `multipart/form-data; boundary=${B}`) =>
  rawRequest(
    server.url,
    `POST ${url} HTTP/1.1\r\nAuthorization: Bearer ${ADMIN_KEY}\r\nContent-Type: ${type}`,
    body,
  );

describe('malformed multipart push (issue 18.5)', () => {
  const cases: Array<[string, () => Buffer | string, string?]> = [
    [
      'a file part without the closing boundary',
      () => Buffer.concat([filePart('file', 'm.onnx', iris), Buffer.from('\r\n')]),
    ],
    ['a body cut inside the file part', () => filePart('file', 'm.onnx', iris.subarray(0, 100))],
    [
      'a metadata-only body without its end',
      () => `--${B}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n{}`,
    ],
    ['multipart/form-data without a boundary', () => filePart('file', 'm.onnx', iris), 'multipart/form-data'],
  ];
  it.each(cases)(
    'malformed multipart push is a 400 with a code, not 500: %s (issue 18.5)',
    async (_what, body, type) => {
      const res = await post('/api/models/iris/versions', body(), type);
      expectClientError(res, '/api/models/iris/versions', 'BAD_REQUEST');
      expect(res.statusCode).toBe(400);
      // Nothing was stored.
      const iris = (await fetch(`${server.url}/api/models/iris`).then((r) => r.json())) as {
        versionCount: number;
      };
      expect(iris.versionCount).toBe(1);
    },
  );
});

describe('cut-off multipart predict (issue 18.6)', () => {
  it('a cut-off multipart predict whose client is still connected is a 400, not 499 CANCELLED (issue 18.6)', async () => {
    const cut = await post('/api/models/digits/predict', filePart('image', 'd.png', digit.subarray(0, 50)));
    expectClientError(cut, '/api/models/digits/predict', 'BAD_REQUEST');
    const noEnd = await post(
      '/api/models/digits/predict',
      Buffer.concat([filePart('image', 'd.png', digit), Buffer.from('\r\n')]),
    );
    expectClientError(noEnd, '/api/models/digits/predict', 'BAD_REQUEST');
    const whole = await post(
      '/api/models/digits/predict',
      Buffer.concat([filePart('image', 'd.png', digit), Buffer.from(`\r\n--${B}--\r\n`)]),
    );
    expect(whole.statusCode, whole.body).toBe(200);
  });
});
