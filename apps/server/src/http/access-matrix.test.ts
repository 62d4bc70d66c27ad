/**
 * The authorisation matrix: every route of the OpenAPI document × every kind of caller → the status
 * the policy table says (401/403 when refused, anything else when let through). A route without a
 * policy entry fails here and stops the server from starting.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { eq } from 'drizzle-orm';
import Fastify, { type FastifyInstance, type InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INITIAL_ADMIN_FILE } from '../auth/initial-admin.js';
import { grants, SCOPES, type Scope } from '../auth/scopes.js';
import { apiKeys, sessions } from '../db/auth-schema.js';
import { startTestServer, type TestServer } from '../test-support/test-server.js';
import { buildApp } from './app.js';
import { registerPolicyCheck } from './auth-hook.js';
import { decide, type Rule } from './policy.js';

const ADMIN_KEY = 'bootstrap-admin-key-for-the-access-matrix-0123456789';
const PASSWORD = 'correct horse battery staple';
const logs: string[] = [];
const capture = new Writable({
  write(chunk, _enc, done) {
    logs.push(String(chunk));
    done();
  },
});

interface Caller {
  label: string;
  headers: Record<string, string>;
  /** Scopes of the credentials; null = anonymous; 'bad' = revoked or expired key. */
  scopes: readonly Scope[] | null | 'bad';
}

let server: TestServer;
let publicApp: FastifyInstance;
const callers: Caller[] = [];
/** Every secret the suite handles: none may reach the logs. */
const secrets: string[] = [ADMIN_KEY, PASSWORD];

const asAdmin = (opts: InjectOptions) =>
  server.app.inject({ ...opts, headers: { authorization: `Bearer ${ADMIN_KEY}`, ...opts.headers } });

async function login(name: string): Promise<Record<string, string>> {
  const res = await server.app.inject({
    method: 'POST',
    url: '/api/session',
    payload: { name, password: PASSWORD },
  });
  expect(res.statusCode, res.body).toBe(200);
  const cookie = res.cookies.find((c) => c.name === 'mg_session');
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
  secrets.push(cookie!.value);
  return { cookie: `mg_session=${cookie!.value}`, 'x-csrf-token': res.json().csrfToken };
}

async function key(scopes: Scope[], options: { expiresAt?: string } = {}) {
  const res = await asAdmin({
    method: 'POST',
    url: '/api/keys',
    payload: { name: `k-${scopes.join('+')}`, scopes, user: 'keyholder', ...options },
  });
  expect(res.statusCode, res.body).toBe(201);
  const body = res.json() as { id: number; key: string; prefix: string };
  expect(body.key.startsWith(body.prefix)).toBe(true);
  secrets.push(body.key);
  return body;
}

beforeAll(async () => {
  server = await startTestServer({
    seedDemoModels: false,
    logLevel: 'debug',
    logDestination: capture,
    env: { MODELGARDEN_ADMIN_KEY: ADMIN_KEY, ANONYMOUS_LOOPBACK_WRITES: 'false' },
  });
  for (const [name, role] of [
    ['viewer1', 'viewer'],
    ['member1', 'member'],
    ['admin1', 'admin'],
    ['keyholder', 'admin'],
  ] as const) {
    const res = await asAdmin({
      method: 'POST',
      url: '/api/users',
      payload: { name, role, password: PASSWORD },
    });
    expect(res.statusCode, res.body).toBe(201);
  }
  callers.push({ label: 'anonymous', headers: {}, scopes: null });
  callers.push({ label: 'viewer', headers: await login('viewer1'), scopes: ['models:read', 'predict'] });
  callers.push({
    label: 'member',
    headers: await login('member1'),
    scopes: ['models:write', 'models:read', 'predict', 'chat', 'embeddings'],
  });
  callers.push({ label: 'admin', headers: await login('admin1'), scopes: [...SCOPES] });
  callers.push({
    label: 'admin key',
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
    scopes: [...SCOPES],
  });
  for (const scope of SCOPES) {
    const k = await key([scope]);
    callers.push({ label: `key ${scope}`, headers: { authorization: `Bearer ${k.key}` }, scopes: [scope] });
  }
  const revoked = await key(['admin']);
  expect(
    (await asAdmin({ method: 'DELETE', url: `/api/keys/${revoked.id}` })).json().revokedAt,
  ).not.toBeNull();
  callers.push({ label: 'revoked key', headers: { authorization: `Bearer ${revoked.key}` }, scopes: 'bad' });
  const expired = await key(['admin'], { expiresAt: new Date(Date.now() + 60_000).toISOString() });
  await server.context.database.db
    .update(apiKeys)
    .set({ expiresAt: new Date(Date.now() - 1000) })
    .where(eq(apiKeys.id, expired.id));
  callers.push({ label: 'expired key', headers: { authorization: `Bearer ${expired.key}` }, scopes: 'bad' });
  // The same services behind an app that believes it binds to every interface.
  publicApp = await buildApp({ ...server.context, config: { ...server.context.config, host: '0.0.0.0' } });
  await publicApp.ready();
});
afterAll(async () => {
  await publicApp?.close();
  await server?.close();
});

/** The rule a registered route declares (its traits); HEAD follows GET. */
function ruleFor(method: string, template: string): Rule | undefined {
  const m = method === 'HEAD' ? 'GET' : method;
  return server.app.routeTable.find((r) => r.method === m && r.url === template)?.traits.policy;
}

const FILL: Record<string, string> = { name: 'matrix-missing', version: '1', alias: 'prod', id: '999999' };

async function routes(): Promise<Array<{ method: string; template: string; url: string }>> {
  const doc = (
    await server.app.inject({ url: '/docs/json', headers: { authorization: `Bearer ${ADMIN_KEY}` } })
  ).json();
  const out: Array<{ method: string; template: string; url: string }> = [];
  for (const [p, ops] of Object.entries<Record<string, unknown>>(doc.paths)) {
    for (const method of Object.keys(ops)) {
      out.push({
        method: method.toUpperCase(),
        // `{*}` is a wildcard route (/v1/models/*: model ids hold slashes).
        template: p.replace(/\{\*\}/g, '*').replace(/\{(\w+)\}/g, ':$1'),
        url: p.replace(/\{\*\}/g, 'x').replace(/\{(\w+)\}/g, (_m, k: string) => FILL[k] ?? 'x'),
      });
    }
  }
  // Logging out ends the caller's session: last.
  return out.sort(
    (a, b) =>
      Number(a.method === 'DELETE' && a.url === '/api/session') -
      Number(b.method === 'DELETE' && b.url === '/api/session'),
  );
}

function expected(
  method: string,
  template: string,
  caller: Caller,
  anonymousReads: boolean,
): 'allow' | 401 | 403 {
  const rule = ruleFor(method, template)!;
  if (caller.scopes === 'bad')
    return rule.access === 'public' && !template.startsWith('/api/session') ? 'allow' : 401;
  const scopes = caller.scopes ?? [];
  const d = decide(
    rule,
    { anonymous: caller.scopes === null, scopes },
    { anonymousReads, anonymousWrites: false, metricsPublic: true },
    (s) => grants(scopes, s),
  );
  return d === 'allow' ? 'allow' : d === 'unauthenticated' ? 401 : 403;
}

describe('authorisation matrix', () => {
  it('has a policy entry for every route in the OpenAPI document', async () => {
    const all = await routes();
    expect(all.length).toBeGreaterThan(40);
    expect(all.filter((r) => !ruleFor(r.method, r.template)).map((r) => `${r.method} ${r.template}`)).toEqual(
      [],
    );
  });

  it('has no stale policy entries: each names a registered route', () => {
    const stale = server.app.routeTable.filter(
      ({ method, url }) => !server.app.hasRoute({ method: method as 'GET', url }),
    );
    expect(stale).toEqual([]);
  });

  it('refuses to start with a route that has no policy entry', async () => {
    const app = Fastify();
    registerPolicyCheck(app);
    expect(() => app.get('/api/unguarded', async () => 'open')).toThrow(
      /No access policy for GET \/api\/unguarded/,
    );
    await app.close();
  });

  for (const bind of ['loopback', 'public'] as const) {
    it(`answers every route × caller as the policy says (${bind} bind)`, async () => {
      const app = bind === 'loopback' ? server.app : publicApp;
      const mismatches: string[] = [];
      let checked = 0;
      const refused = { 401: 0, 403: 0 };
      for (const caller of callers) {
        for (const r of await routes()) {
          const res = await app.inject({ method: r.method as 'GET', url: r.url, headers: caller.headers });
          const want = expected(r.method, r.template, caller, bind === 'loopback');
          const ok =
            want === 'allow' ? res.statusCode !== 401 && res.statusCode !== 403 : res.statusCode === want;
          if (want !== 'allow') expect(res.json().error.code ?? res.json().error).toBeTruthy();
          if (!ok)
            mismatches.push(
              `${caller.label} ${r.method} ${r.url}: ${res.statusCode}, expected ${want} ${res.body.slice(0, 120)}`,
            );
          checked++;
          if (want !== 'allow') refused[want]++;
        }
        // The logout at the end of the list ended this caller's session: log in again.
        if (caller.headers.cookie)
          Object.assign(
            caller.headers,
            await login(
              caller.label === 'viewer' ? 'viewer1' : caller.label === 'member' ? 'member1' : 'admin1',
            ),
          );
      }
      expect(mismatches).toEqual([]);
      expect(checked).toBeGreaterThan(400);
      expect(refused[401]).toBeGreaterThan(bind === 'public' ? 100 : 40);
      expect(refused[403]).toBeGreaterThan(50);
    });
  }

  it('never lets an anonymous caller change anything, on any bind', async () => {
    for (const r of await routes()) {
      if (r.method === 'GET' || r.template.startsWith('/api/session')) continue;
      const rule = ruleFor(r.method, r.template)!;
      if (rule.access === 'read') continue; // predictions and OIP inference: reads of the model
      const res = await server.app.inject({ method: r.method as 'POST', url: r.url });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
  });
});

/**
 * The same rules written out by hand, one representative route per class: the matrix above takes its
 * expectations from the production decide(), so a wrong rule would pass it; this table would not.
 * `ok` = let through (neither 401 nor 403). Anonymous callers are on loopback unless marked public.
 */
const HAND_WRITTEN: Record<string, { route: InjectOptions; expect: Record<string, 'ok' | 401 | 403> }> = {
  public: {
    route: { method: 'GET', url: '/health/live' },
    expect: {
      anonymous: 'ok',
      'anonymous (public bind)': 'ok',
      viewer: 'ok',
      member: 'ok',
      admin: 'ok',
      'key predict': 'ok',
      'key models:read': 'ok',
    },
  },
  'read models:read': {
    route: { method: 'GET', url: '/api/models' },
    expect: {
      anonymous: 'ok',
      'anonymous (public bind)': 401,
      viewer: 'ok',
      member: 'ok',
      admin: 'ok',
      'key predict': 403,
      'key models:read': 'ok',
    },
  },
  'read predict': {
    route: { method: 'GET', url: '/v2' },
    expect: {
      anonymous: 'ok',
      'anonymous (public bind)': 401,
      viewer: 'ok',
      member: 'ok',
      admin: 'ok',
      'key predict': 'ok',
      'key models:read': 403,
    },
  },
  'write models:write': {
    route: { method: 'POST', url: '/api/models', payload: {} },
    expect: {
      anonymous: 401,
      'anonymous (public bind)': 401,
      viewer: 403,
      member: 'ok',
      admin: 'ok',
      'key predict': 403,
      'key models:read': 403,
    },
  },
  'write admin': {
    route: { method: 'GET', url: '/api/users' },
    expect: {
      anonymous: 401,
      'anonymous (public bind)': 401,
      viewer: 403,
      member: 403,
      admin: 'ok',
      'key predict': 403,
      'key models:read': 403,
    },
  },
  'signed-in': {
    route: { method: 'GET', url: '/api/keys' },
    expect: {
      anonymous: 401,
      'anonymous (public bind)': 401,
      viewer: 'ok',
      member: 'ok',
      admin: 'ok',
      'key predict': 'ok',
      'key models:read': 'ok',
    },
  },
};

describe('role × route class, by hand', () => {
  for (const [cls, { route, expect: want }] of Object.entries(HAND_WRITTEN)) {
    it(`${cls}: ${route.method} ${route.url}`, async () => {
      const got: Record<string, 'ok' | number> = {};
      for (const label of Object.keys(want)) {
        const publicBind = label === 'anonymous (public bind)';
        const caller = callers.find((c) => c.label === (publicBind ? 'anonymous' : label))!;
        const res = await (publicBind ? publicApp : server.app).inject({ ...route, headers: caller.headers });
        got[label] = res.statusCode === 401 || res.statusCode === 403 ? res.statusCode : 'ok';
      }
      expect(got).toEqual(want);
    });
  }
});

describe('sessions and CSRF', () => {
  it('refuses a cookie-authenticated change without the CSRF token, and takes it with the token', async () => {
    const headers = await login('member1');
    const without = await server.app.inject({
      method: 'POST',
      url: '/api/models',
      headers: { cookie: headers.cookie! },
      payload: { name: 'csrf-model' },
    });
    expect(without.statusCode).toBe(403);
    expect(without.json().error.code).toBe('CSRF_TOKEN_INVALID');
    const wrong = await server.app.inject({
      method: 'POST',
      url: '/api/models',
      headers: { ...headers, 'x-csrf-token': 'nope' },
      payload: { name: 'csrf-model' },
    });
    expect(wrong.json().error.code).toBe('CSRF_TOKEN_INVALID');
    const ok = await server.app.inject({
      method: 'POST',
      url: '/api/models',
      headers,
      payload: { name: 'csrf-model' },
    });
    expect(ok.statusCode, ok.body).toBe(201);
  });

  it('logs out: the cookie stops working', async () => {
    const headers = await login('viewer1');
    expect((await publicApp.inject({ url: '/api/models', headers })).statusCode).toBe(200);
    const out = await server.app.inject({ method: 'DELETE', url: '/api/session', headers });
    expect(out.statusCode).toBe(204);
    expect((await publicApp.inject({ url: '/api/models', headers })).statusCode).toBe(401);
    const me = await server.app.inject({ url: '/api/session', headers });
    expect(me.json()).toMatchObject({ authenticated: false, user: null });
  });

  it('ends an expired session: the cookie then counts for nothing', async () => {
    const headers = await login('member1');
    expect((await publicApp.inject({ url: '/api/models', headers })).statusCode).toBe(200);
    await server.context.database.db.update(sessions).set({ expiresAt: new Date(Date.now() - 1000) });
    const res = await publicApp.inject({ url: '/api/models', headers });
    expect(res.statusCode).toBe(401);
    expect(res.headers['set-cookie']).toContain('mg_session=;');
  });

  it('refuses a wrong password and a disabled user with the same INVALID_CREDENTIALS', async () => {
    const wrong = await server.app.inject({
      method: 'POST',
      url: '/api/session',
      payload: { name: 'viewer1', password: 'wrong password!' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('INVALID_CREDENTIALS');
    const nobody = await server.app.inject({
      method: 'POST',
      url: '/api/session',
      payload: { name: 'nobody', password: PASSWORD },
    });
    expect(nobody.json().error.code).toBe('INVALID_CREDENTIALS');
  });

  it('answers a malformed Authorization header and an unknown key with 401 UNAUTHENTICATED', async () => {
    for (const authorization of ['Basic abc', 'Bearer', 'Bearer mg_unknown']) {
      const res = await server.app.inject({ url: '/api/models', headers: { authorization } });
      expect(res.statusCode, authorization).toBe(401);
      expect(res.json().error.code).toBe('UNAUTHENTICATED');
    }
  });
});

describe('first start', () => {
  it('created admin with a random password in DATA_DIR/initial-admin-password (0600), logged once', async () => {
    const file = path.join(server.dataDir, INITIAL_ADMIN_FILE);
    const password = (await readFile(file, 'utf8')).trim();
    const { stat } = await import('node:fs/promises');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(password.length).toBeGreaterThanOrEqual(20);
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/session',
      payload: { name: 'admin', password },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().user).toMatchObject({ name: 'admin', role: 'admin' });
    expect(logs.join('').split(password).length - 1).toBe(1);
  });
});

describe('secrets in logs', () => {
  it('no key, password or session token the suite used appears in the log output', () => {
    const text = logs.join('');
    expect(text.length).toBeGreaterThan(1000);
    for (const secret of secrets)
      expect(text.includes(secret), `a secret (${secret.slice(0, 6)}…) was logged`).toBe(false);
  });
});
