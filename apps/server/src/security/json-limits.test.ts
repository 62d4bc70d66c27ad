/** JSON limits over HTTP: depth, keys, prototype keys, unquoted errors, on REST, OIP and push metadata. */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, expectClientError, startAttackServer } from '../test-support/attack-server.js';
import { IRIS_ONNX, multipart, type TestServer } from '../test-support/test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startAttackServer({ MAX_JSON_DEPTH: '16', MAX_JSON_KEYS: '100' });
});
afterAll(() => server?.close());

const post = (url: string, payload: string) =>
  server.app.inject({
    method: 'POST',
    url,
    payload,
    headers: { ...AUTH, 'content-type': 'application/json' },
  });

const deep = (n: number) => `{"inputs":${'['.repeat(n)}1${']'.repeat(n)}}`;
const wide = (n: number) => `{${Array.from({ length: n }, (_, i) => `"k${i}":1`).join(',')}}`;

describe('JSON limits', () => {
  it('answers JSON_TOO_COMPLEX for deep nesting on the REST and OIP routes', async () => {
    for (const url of ['/api/models/iris/predict', '/api/models', '/v2/models/iris/infer']) {
      for (const body of [deep(40), deep(200_000)])
        expectClientError(await post(url, body), url, 'JSON_TOO_COMPLEX');
    }
    expect((await post('/v2/models/iris/infer', deep(40))).json().error).toMatch(/deeper than 16/);
  });

  it('answers JSON_TOO_COMPLEX for an object with too many keys', async () => {
    expectClientError(await post('/api/models/iris/predict', wide(101)), '/api', 'JSON_TOO_COMPLEX');
  });

  it('refuses __proto__ and constructor.prototype keys with MALFORMED_JSON', async () => {
    const bodies = [
      '{"inputs":{"__proto__":{"polluted":true}}}',
      '{"constructor":{"prototype":{"polluted":true}}}',
    ];
    for (const body of bodies)
      expectClientError(await post('/api/models/iris/predict', body), '/api', 'MALFORMED_JSON');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('does not echo the body in a syntax error', async () => {
    const res = await post('/api/models/iris/predict', '{"apiKey": sk-live-secret-1234567890}');
    expectClientError(res, '/api', 'MALFORMED_JSON');
    expect(res.body).not.toContain('sk-live');
  });

  it('guards push metadata the same way', async () => {
    const iris = await readFile(IRIS_ONNX);
    for (const [metadata, code] of [
      ['{"tags":{"__proto__":{"x":"1"}}}', 'INVALID_METADATA'],
      [`{"tags":${'['.repeat(100)}${']'.repeat(100)}}`, 'JSON_TOO_COMPLEX'],
      ['{"description": secret-token-abc}', 'INVALID_METADATA'],
    ] as const) {
      const body = multipart([
        { name: 'file', filename: 'iris.onnx', data: iris },
        { name: 'metadata', data: metadata },
      ]);
      const res = await server.app.inject({
        method: 'POST',
        url: '/api/models/meta-guard/versions',
        payload: body.payload,
        headers: { ...body.headers, ...AUTH },
      });
      expectClientError(res, '/api', code);
      expect(res.body).not.toContain('secret-token');
    }
  });
});
