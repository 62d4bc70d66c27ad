// The SDK's access-control methods against a real server: users, keys (shown once, scoped, revoked),
// whoami and the audit log, with the server's error codes.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../../apps/server/src/index.js';
import { ModelGardenApiError, ModelGardenClient } from './index.js';

const ADMIN_KEY = 'sdk-access-test-bootstrap-admin-key-0123';
let server: RunningServer;
let dataDir: string;
let admin: ModelGardenClient;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'modelgarden-sdk-access-'));
  server = await startServer({
    dataDir,
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    seedDemoModels: false,
    env: { MODELGARDEN_ADMIN_KEY: ADMIN_KEY },
  });
  admin = new ModelGardenClient({ baseUrl: server.url, apiKey: ADMIN_KEY });
});
afterAll(async () => {
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelGardenApiError);
  return (error as ModelGardenApiError).code;
}

describe('access control through the SDK', () => {
  it('creates a user with a generated password, and a scoped key that works until revoked', async () => {
    const created = await admin.createUser({ name: 'sam', role: 'member', team: 'red' });
    expect(created.user).toMatchObject({ name: 'sam', role: 'member', team: 'red', disabled: false });
    expect(created.password?.length).toBeGreaterThanOrEqual(20);
    expect((await admin.listUsers()).map((u) => u.name)).toEqual(['admin', 'sam']);

    const key = await admin.createKey({ name: 'ci', scopes: ['models:read'], user: 'sam' });
    expect(key.key.startsWith(key.prefix)).toBe(true);
    const sam = new ModelGardenClient({ baseUrl: server.url, apiKey: key.key });
    expect(await sam.whoami()).toMatchObject({
      authenticated: true,
      via: 'key',
      user: { name: 'sam' },
      scopes: ['models:read'],
    });
    expect(await sam.listModels()).toEqual([]);
    expect(await codeOf(sam.createModel('nope'))).toBe('FORBIDDEN');
    const listed = await sam.listKeys();
    expect(listed.map((k) => k.prefix)).toEqual([key.prefix]);
    expect(JSON.stringify(listed)).not.toContain(key.key);

    const revoked = await sam.revokeKey(key.id);
    expect(revoked.revokedAt).not.toBeNull();
    expect(await codeOf(sam.listModels())).toBe('UNAUTHENTICATED');
  });

  it('updates, resets and refuses with stable codes', async () => {
    expect(await admin.updateUser('sam', { role: 'viewer' })).toMatchObject({ role: 'viewer' });
    expect((await admin.resetPassword('sam')).password).toEqual(expect.any(String));
    expect(await codeOf(admin.createUser({ name: 'sam', password: 'long enough password' }))).toBe(
      'USER_EXISTS',
    );
    expect(await codeOf(admin.getUser('nobody'))).toBe('USER_NOT_FOUND');
    expect(await codeOf(admin.createKey({ name: 'x', scopes: ['admin'], user: 'sam' }))).toBe(
      'INVALID_SCOPE',
    );
    const anonymous = new ModelGardenClient({ baseUrl: server.url });
    expect(await anonymous.whoami()).toMatchObject({ authenticated: false, anonymousReads: true });
    expect(await codeOf(anonymous.listUsers())).toBe('UNAUTHENTICATED');
  });

  it('reads the audit log with filters', async () => {
    const { items } = await admin.audit({ target: 'user:sam' });
    expect(items.map((e) => e.action)).toContain('PATCH /api/users/:name');
    expect(items.every((e) => e.actor === 'admin-key')).toBe(true);
  });

  it('signs in with a cookie session: the CSRF token from the login goes with every change', async () => {
    await admin.createUser({ name: 'cookie-user', role: 'member', password: 'first password, long enough' });
    // Node's fetch keeps no cookies: this one does, as a browser would for the web app.
    let cookie: string | undefined;
    const jar: typeof fetch = async (input, init) => {
      const headers = new Headers(init?.headers);
      if (cookie) headers.set('cookie', cookie);
      const response = await fetch(input, { ...init, headers });
      const set = response.headers.get('set-cookie');
      if (set) cookie = set.split(';')[0];
      return response;
    };
    let csrf: string | null = null;
    const errors: string[] = [];
    const browser = new ModelGardenClient({
      baseUrl: server.url,
      fetch: jar,
      credentials: 'include',
      csrfToken: () => csrf,
      onError: (error) => errors.push(error.code),
    });
    const session = await browser.login('cookie-user', 'first password, long enough');
    expect(session).toMatchObject({ authenticated: true, via: 'session', user: { name: 'cookie-user' } });
    expect(session.csrfToken).toEqual(expect.any(String));
    // Without the token a change is refused; with it, it goes through.
    expect(await codeOf(browser.changePassword('first password, long enough', 'second password, long'))).toBe(
      'CSRF_TOKEN_INVALID',
    );
    csrf = session.csrfToken;
    expect(await codeOf(browser.changePassword('wrong password', 'second password, long'))).toBe(
      'INVALID_CREDENTIALS',
    );
    expect(errors).toEqual(['CSRF_TOKEN_INVALID', 'INVALID_CREDENTIALS']);
    await browser.changePassword('first password, long enough', 'second password, long');
    const again = await browser.login('cookie-user', 'second password, long');
    expect(again.authenticated).toBe(true);
    csrf = again.csrfToken;
    await browser.logout();
    expect(await browser.whoami()).toMatchObject({ authenticated: false });
  });

  it("reads and sets a key's LLM settings, and the LLM usage and providers", async () => {
    const key = await admin.createKey({ name: 'llm', scopes: ['models:read'], user: 'cookie-user' });
    const before = await admin.getLlmKeySettings(key.id);
    expect(before.used).toEqual({ minuteRequests: 0, minuteTokens: 0, dayTokens: 0, monthTokens: 0 });
    const settings = {
      allowedModels: ['gpt-4o-mini'],
      requestsPerMinute: 10,
      tokensPerMinute: null,
      tokensPerDay: 1000,
      tokensPerMonth: null,
      storeContent: false,
    };
    expect(await admin.setLlmKeySettings(key.id, settings)).toMatchObject(settings);
    expect(await admin.getLlmKeySettings(key.id)).toMatchObject(settings);
    expect(await codeOf(admin.getLlmKeySettings(999_999))).toBe('API_KEY_NOT_FOUND');
    expect(await admin.llmUsage({ by: 'key', days: 7 })).toMatchObject({ by: 'key', totals: [] });
    expect(Array.isArray((await admin.llmProviders()).providers)).toBe(true);
  });
});
