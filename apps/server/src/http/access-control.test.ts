/**
 * Access control beyond the matrix: team-private models (404 to other teams in list, get, predict,
 * infer), users and keys lifecycle errors, the audit log and alias-history actor, key usage,
 * rate limits, security headers and CORS.
 */
import { readFile } from 'node:fs/promises';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IRIS_ONNX, multipart, startTestServer, type TestServer } from '../test-support/test-server.js';
import { buildApp } from './app.js';

const ADMIN_KEY = 'bootstrap-admin-key-for-access-control-tests-0123';
const PASSWORD = 'a long enough password';
const SETOSA = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };

let server: TestServer;
const keys: Record<string, string> = {};

const as = (who: string | null, opts: InjectOptions) =>
  server.app.inject({
    ...opts,
    headers: {
      ...(who ? { authorization: `Bearer ${who === 'root' ? ADMIN_KEY : keys[who]}` } : {}),
      ...opts.headers,
    },
  });

async function user(name: string, role: string, team: string | null, scopes: string[]) {
  const created = await as('root', {
    method: 'POST',
    url: '/api/users',
    payload: { name, role, team, password: PASSWORD },
  });
  expect(created.statusCode, created.body).toBe(201);
  const key = await as('root', {
    method: 'POST',
    url: '/api/keys',
    payload: { name: 'main', scopes, user: name },
  });
  expect(key.statusCode, key.body).toBe(201);
  keys[name] = key.json().key;
}

beforeAll(async () => {
  server = await startTestServer({
    seedDemoModels: false,
    env: { MODELGARDEN_ADMIN_KEY: ADMIN_KEY, ANONYMOUS_LOOPBACK_WRITES: 'false' },
  });
  await user('alice', 'member', 'red', ['models:write', 'predict']);
  await user('vic', 'viewer', 'red', ['models:read', 'predict']);
  await user('bob', 'member', 'blue', ['models:write', 'predict']);
  const create = await as('alice', {
    method: 'POST',
    url: '/api/models',
    payload: { name: 'secret', visibility: 'team' },
  });
  expect(create.statusCode, create.body).toBe(201);
  expect(create.json()).toMatchObject({ visibility: 'team', team: 'red' });
  const form = multipart([
    { name: 'file', filename: 'iris.onnx', data: await readFile(IRIS_ONNX) },
    {
      name: 'metadata',
      data: JSON.stringify({
        labels: ['setosa', 'versicolor', 'virginica'],
        featureNames: Object.keys(SETOSA),
      }),
    },
  ]);
  const push = await as('alice', { method: 'POST', url: '/api/models/secret/versions', ...form });
  expect(push.statusCode, push.body).toBe(201);
  const promote = await as('alice', {
    method: 'PUT',
    url: '/api/models/secret/aliases/production',
    payload: { version: 1 },
  });
  expect(promote.statusCode, promote.body).toBe(200);
});
afterAll(() => server?.close());

describe('team-private models', () => {
  const infer = {
    inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: Object.values(SETOSA) }],
  };

  it('are listed, described and served for their team and admins', async () => {
    for (const who of ['alice', 'vic', 'root']) {
      const list = await as(who, { url: '/api/models' });
      expect(
        list.json().models.map((m: { name: string }) => m.name),
        who,
      ).toContain('secret');
      expect((await as(who, { url: '/api/models/secret' })).statusCode).toBe(200);
      const predict = await as(who, {
        method: 'POST',
        url: '/api/models/secret/predict',
        payload: { inputs: SETOSA },
      });
      expect(predict.statusCode, predict.body).toBe(200);
      expect(
        (await as(who, { method: 'POST', url: '/v2/models/secret/infer', payload: infer })).statusCode,
      ).toBe(200);
    }
  });

  it('answer 404 to another team and to anonymous callers, in list, get, predict and infer', async () => {
    for (const who of ['bob', null]) {
      const list = await as(who, { url: '/api/models' });
      expect(list.json().models.map((m: { name: string }) => m.name)).not.toContain('secret');
      const get = await as(who, { url: '/api/models/secret' });
      expect(get.statusCode).toBe(404);
      expect(get.json().error.code).toBe('MODEL_NOT_FOUND');
      const predict = await as(who, {
        method: 'POST',
        url: '/api/models/secret/predict',
        payload: { inputs: SETOSA },
      });
      expect(predict.statusCode).toBe(404);
      expect(
        (await as(who, { method: 'POST', url: '/v2/models/secret/infer', payload: infer })).statusCode,
      ).toBe(404);
      expect((await as(who, { url: '/api/models/secret/versions/1' })).statusCode).toBe(404);
    }
    const patch = await as('bob', {
      method: 'PATCH',
      url: '/api/models/secret',
      payload: { description: 'mine now' },
    });
    expect(patch.statusCode).toBe(404);
  });

  it('only admins give a model to another team', async () => {
    const res = await as('alice', { method: 'PATCH', url: '/api/models/secret', payload: { team: 'blue' } });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('FORBIDDEN');
  });
});

describe('users and keys', () => {
  it('answers bad user input with stable codes', async () => {
    const cases: Array<[unknown, number, string]> = [
      [{ name: 'alice', role: 'member', password: PASSWORD }, 409, 'USER_EXISTS'],
      [{ name: 'Bad Name', role: 'member', password: PASSWORD }, 400, 'INVALID_USER_NAME'],
      [{ name: 'shorty', role: 'member', password: 'short' }, 400, 'WEAK_PASSWORD'],
      [{ name: 'x', role: 'owner' }, 400, 'VALIDATION_FAILED'],
      [{ name: 'x', role: 'member', isAdmin: true }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [payload, status, code] of cases) {
      const res = await as('root', { method: 'POST', url: '/api/users', payload: payload as object });
      expect(res.statusCode, JSON.stringify(payload)).toBe(status);
      expect(res.json().error.code).toBe(code);
    }
    const missing = await as('root', {
      method: 'PATCH',
      url: '/api/users/nobody',
      payload: { role: 'viewer' },
    });
    expect(missing.json().error.code).toBe('USER_NOT_FOUND');
  });

  it('never lets a key grant more than its maker holds', async () => {
    const res = await as('vic', {
      method: 'POST',
      url: '/api/keys',
      payload: { name: 'up', scopes: ['models:write'] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('INVALID_SCOPE');
    const forOther = await as('alice', {
      method: 'POST',
      url: '/api/keys',
      payload: { name: 'x', scopes: ['predict'], user: 'bob' },
    });
    expect(forOther.json().error.code).toBe('FORBIDDEN');
    const past = await as('alice', {
      method: 'POST',
      url: '/api/keys',
      payload: { name: 'x', scopes: ['predict'], expiresAt: '2001-01-01T00:00:00Z' },
    });
    expect(past.json().error.code).toBe('INVALID_SCOPE');
  });

  it("lists a user's own keys by prefix and counts their use (buffered)", async () => {
    await server.context.auth.keys.flush();
    const res = await as('alice', { url: '/api/keys' });
    const [k] = res.json().keys;
    expect(k).toMatchObject({ user: 'alice', prefix: keys.alice!.slice(0, 10), revokedAt: null });
    expect(k.requestCount).toBeGreaterThan(3);
    expect(k.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(res.json())).not.toContain(keys.alice);
    expect((await as('alice', { url: '/api/keys?all=true' })).json().error.code).toBe('FORBIDDEN');
    const others = await as('bob', { method: 'DELETE', url: `/api/keys/${k.id}` });
    expect(others.json().error.code).toBe('API_KEY_NOT_FOUND');
  });

  it('resets a password (generated, shown once) and keeps the last admin', async () => {
    await as('root', {
      method: 'POST',
      url: '/api/users',
      payload: { name: 'carol', role: 'viewer', password: PASSWORD },
    });
    const reset = await as('root', { method: 'POST', url: '/api/users/carol/password', payload: {} });
    expect(reset.statusCode, reset.body).toBe(200);
    const login = await server.app.inject({
      method: 'POST',
      url: '/api/session',
      payload: { name: 'carol', password: reset.json().password },
    });
    expect(login.statusCode).toBe(200);
    const demote = await as('root', {
      method: 'PATCH',
      url: '/api/users/admin',
      payload: { role: 'member' },
    });
    expect(demote.statusCode).toBe(409);
    expect(demote.json().error.code).toBe('LAST_ADMIN');
  });

  it('disabling a user stops their keys and sessions at once', async () => {
    await user('dave', 'member', null, ['predict']);
    expect((await as('dave', { url: '/v2/models/secret/ready' })).statusCode).toBe(404);
    const off = await as('root', { method: 'PATCH', url: '/api/users/dave', payload: { disabled: true } });
    expect(off.json()).toMatchObject({ disabled: true });
    const res = await as('dave', { url: '/api/models' });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('UNAUTHENTICATED');
  });
});

describe('audit log', () => {
  it('records registry and user changes with who, from where and the request id; admins only', async () => {
    const res = await as('root', { url: '/api/audit?actor=alice' });
    expect(res.statusCode, res.body).toBe(200);
    const actions = res
      .json()
      .items.map((e: { action: string; target: string }) => `${e.action} ${e.target}`);
    expect(actions).toContain('POST /api/models models');
    expect(actions).toContain('POST /api/models/:name/versions model:secret');
    expect(actions).toContain('PUT /api/models/:name/aliases/:alias model:secret/alias:production');
    const entry = res.json().items[0];
    expect(entry).toMatchObject({ actor: 'alice', via: `key:${keys.alice!.slice(0, 10)}`, ip: '127.0.0.1' });
    expect(entry.requestId).toEqual(expect.any(String));
    const users = await as('root', { url: '/api/audit?target=user:' });
    expect(users.json().items.some((e: { actor: string }) => e.actor === 'admin-key')).toBe(true);
    expect((await as('vic', { url: '/api/audit' })).statusCode).toBe(403);
    expect((await as('root', { url: '/api/audit?limit=0' })).json().error.code).toBe('VALIDATION_FAILED');
  });

  it('fills the alias history actor', async () => {
    const res = await as('alice', { url: '/api/models/secret/aliases/production/history' });
    expect(res.json().history[0]).toMatchObject({ actor: 'alice' });
  });
});

describe('rate limits, headers, CORS', () => {
  let limited: FastifyInstance;
  beforeAll(async () => {
    const config = server.context.config;
    limited = await buildApp({
      ...server.context,
      config: {
        ...config,
        auth: {
          ...config.auth,
          rateLimitPerMinute: 3,
          rateLimitLoopback: true,
          corsOrigins: ['https://app.example'],
        },
      },
    });
  });
  afterAll(() => limited?.close());

  it('answers 429 RATE_LIMITED with Retry-After per key, and counts another key apart', async () => {
    const get = (who: string) =>
      limited.inject({ url: '/api/models', headers: { authorization: `Bearer ${keys[who]}` } });
    for (let i = 0; i < 3; i++) expect((await get('alice')).statusCode).toBe(200);
    const over = await get('alice');
    expect(over.statusCode).toBe(429);
    expect(over.json().error.code).toBe('RATE_LIMITED');
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    expect((await get('vic')).statusCode).toBe(200);
    expect((await limited.inject({ url: '/health/live' })).statusCode).toBe(200);
  });

  it('sends security headers and CORS only for configured origins', async () => {
    const res = await server.app.inject({ url: '/health/live', headers: { origin: 'https://evil.example' } });
    // A JSON answer: nothing may load from it or frame it.
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    for (const url of ['/api/models', '/v2/models/iris', '/metrics', '/api/no-such-route']) {
      const api = await server.app.inject({ url });
      expect(api.headers['content-security-policy'], url).toBe("default-src 'none'; frame-ancestors 'none'");
    }
    // A page (the /docs UI): helmet's CSP, under which the UI's own scripts and styles load.
    const page = await server.app.inject({ url: '/docs/static/index.html' });
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const allowed = await limited.inject({
      method: 'OPTIONS',
      url: '/api/models',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');
  });
});
