/**
 * Regression tests of issue 18 ("what a hostile test of the running server found"), items 9 and
 * 12: 405 with `Allow`, JSON 404s under every API prefix, the CSV export's cursor, drift windows,
 * and the session's expiry. Each test is named after the item it pins.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, AUTH, startAttackServer } from '../test-support/attack-server.js';
import type { TestServer } from '../test-support/test-server.js';

const WEB_PAGE = '<!doctype html><title>the web app</title>';
let server: TestServer;
let webDir: string;

beforeAll(async () => {
  // A web app of its own, so the fallback to index.html is on whether or not apps/web was built.
  webDir = await mkdtemp(path.join(os.tmpdir(), 'modelgarden-web-'));
  await writeFile(path.join(webDir, 'index.html'), WEB_PAGE);
  server = await startAttackServer({ WEB_DIST_DIR: webDir });
});
afterAll(async () => {
  await server?.close();
  await rm(webDir, { recursive: true, force: true });
});

const inject = (opts: InjectOptions) => server.app.inject({ ...opts, headers: { ...AUTH, ...opts.headers } });

describe('issue 18.9', () => {
  it.each([
    ['DELETE', '/api/models/iris', ['GET', 'HEAD', 'PATCH']],
    ['GET', '/api/models/iris/predict', ['POST']],
    ['PUT', '/api/models', ['GET', 'HEAD', 'POST']],
  ])(
    '405 METHOD_NOT_ALLOWED with an Allow header when the path exists for other methods: %s %s (issue 18.9)',
    async (method, url, allow) => {
      const res = await inject({ method: method as 'GET', url });
      expect(res.statusCode, res.body).toBe(405);
      expect(res.headers.allow).toBe(allow.join(', '));
      expect(res.json().error).toMatchObject({ code: 'METHOD_NOT_ALLOWED', details: { allow } });
    },
  );

  it('405 on the OIP routes speaks OIP, and an unknown path stays 404 (issue 18.9)', async () => {
    const oip = await inject({ method: 'DELETE', url: '/v2/models/iris/infer' });
    expect(oip.statusCode).toBe(405);
    expect(oip.headers.allow).toBe('POST');
    expect(typeof oip.json().error).toBe('string');
    const missing = await inject({ method: 'DELETE', url: '/api/no-such-thing' });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers.allow).toBeUndefined();
  });
});

describe('issue 18.12', () => {
  it.each([
    '//api/models',
    '/API/models',
    '/Api/models/iris',
    '/api/nothing-here',
    '/v1/no-such-endpoint',
    '/v1',
    '/v2/nothing',
    '/docs/json/x',
    '/metrics/x',
    '/health/x',
  ])('unknown paths under an API prefix are a JSON 404, never the web app: %s (issue 18.12)', async (url) => {
    const res = await inject({ url });
    expect(res.statusCode, res.body).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).not.toContain('the web app');
  });

  it('the web app still answers its own client-side routes (issue 18.12)', async () => {
    const res = await inject({ url: '/models/iris' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(WEB_PAGE);
  });

  it('predictions.csv refuses a malformed cursor like the JSON route (issue 18.12)', async () => {
    for (const cursor of ['abc', '-1', '0', '1.5']) {
      const json = await inject({ url: `/api/models/iris/predictions?cursor=${cursor}` });
      const csv = await inject({ url: `/api/models/iris/predictions.csv?cursor=${cursor}` });
      expect(json.statusCode, json.body).toBe(400);
      expect(csv.statusCode, `${cursor}: ${csv.body}`).toBe(400);
      expect(csv.json().error.code).toBe(json.json().error.code);
    }
    const fine = await inject({ url: '/api/models/iris/predictions.csv?cursor=5' });
    expect(fine.statusCode).toBe(200);
  });

  it('drift refuses `from` later than `to` like from-window (issue 18.12)', async () => {
    const from = '2026-02-01T00:00:00Z';
    const to = '2026-01-01T00:00:00Z';
    const window = await inject({
      method: 'POST',
      url: '/api/models/iris/versions/1/reference/from-window',
      payload: { from, to },
    });
    expect(window.statusCode, window.body).toBe(400);
    for (const url of [
      `/api/models/iris/drift?from=${from}&to=${to}`,
      `/api/models/iris/predictions?from=${from}&to=${to}`,
      `/api/models/iris/predictions.csv?from=${from}&to=${to}`,
    ]) {
      const res = await inject({ url });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(400);
      expect(res.json().error.code).toBe(window.json().error.code);
    }
  });

  it('a signed-in GET /api/session shows the session expiry the login answered (issue 18.12)', async () => {
    const created = await inject({
      method: 'POST',
      url: '/api/users',
      payload: { name: 'sessioned', role: 'member', team: null, password: 'a long enough password' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const login = await server.app.inject({
      method: 'POST',
      url: '/api/session',
      payload: { name: 'sessioned', password: 'a long enough password' },
    });
    expect(login.statusCode, login.body).toBe(200);
    const cookie = login.cookies.find((c) => c.name === 'mg_session');
    expect(login.json().expiresAt).toEqual(expect.any(String));
    const me = await server.app.inject({ url: '/api/session', cookies: { mg_session: cookie?.value ?? '' } });
    expect(me.json()).toMatchObject({
      authenticated: true,
      via: 'session',
      expiresAt: login.json().expiresAt,
    });
    // A key's caller has no session, so no expiry.
    expect(
      (
        await server.app.inject({ url: '/api/session', headers: { authorization: `Bearer ${ADMIN_KEY}` } })
      ).json().expiresAt,
    ).toBeNull();
  });
});
