/**
 * Issue 18.1 over HTTP, on PGlite and (with TEST_DATABASE_URL) a PostgreSQL server: an
 * Idempotency-Key belongs to the caller that sent it (a user's key, the admin key, anonymous).
 */
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverDatabases } from '../test-support/server-databases.js';
import { startTestServer, type TestServer } from '../test-support/test-server.js';

const ADMIN_KEY = 'idempotency-callers-admin-key-0123456789abcdef';

describe.each(serverDatabases)('Idempotency-Key callers on $name', (backend) => {
  let server: TestServer;
  let dropDatabase: () => Promise<void>;
  const keys: Record<string, string> = {};

  const as = (who: 'alice' | 'bob' | 'admin' | 'anonymous', opts: InjectOptions) => {
    const token = who === 'admin' ? ADMIN_KEY : keys[who];
    return server.app.inject({
      ...opts,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...opts.headers },
    });
  };

  beforeAll(async () => {
    const opened = await backend.open();
    dropDatabase = opened.close;
    server = await startTestServer({
      seedDemoModels: false,
      env: { ...opened.env, MODELGARDEN_ADMIN_KEY: ADMIN_KEY, RATE_LIMIT_PER_MINUTE: '0' },
    });
    for (const name of ['alice', 'bob']) {
      const created = await as('admin', {
        method: 'POST',
        url: '/api/users',
        payload: { name, role: 'member', team: null, password: 'a long enough password' },
      });
      expect(created.statusCode, created.body).toBe(201);
      const key = await as('admin', {
        method: 'POST',
        url: '/api/keys',
        payload: { name: 'main', scopes: ['models:write'], user: name },
      });
      expect(key.statusCode, key.body).toBe(201);
      keys[name] = key.json().key;
    }
  });
  afterAll(async () => {
    await server?.close();
    await dropDatabase?.();
  });

  const create = (who: 'alice' | 'bob' | 'admin' | 'anonymous', name: string, key: string) =>
    as(who, { method: 'POST', url: '/api/models', payload: { name }, headers: { 'idempotency-key': key } });

  it("idempotency keys are scoped to the caller: another caller's key is neither replayed nor blocking (issue 18.1)", async () => {
    const first = await create('alice', 'idem-alice', 'shared-key');
    expect(first.statusCode, first.body).toBe(201);
    expect((await create('alice', 'idem-alice', 'shared-key')).headers['idempotent-replayed']).toBe('true');

    // With another body, alice's key does not block bob's (nor the admin key's).
    for (const [who, name] of [
      ['bob', 'idem-bob'],
      ['admin', 'idem-admin'],
    ] as const) {
      const own = await create(who, name, 'shared-key');
      expect(own.statusCode, `${who}: ${own.body}`).toBe(201);
      expect(own.headers['idempotent-replayed']).toBeUndefined();
      const replay = await create(who, name, 'shared-key');
      expect(replay.headers['idempotent-replayed'], who).toBe('true');
      expect(replay.json()).toEqual(own.json());
    }
    // An anonymous caller sending alice's key with alice's body runs its own request (the model
    // exists): alice's answer is not replayed to it.
    const same = await create('anonymous', 'idem-alice', 'shared-key');
    expect(same.headers['idempotent-replayed']).toBeUndefined();
    expect(same.statusCode, same.body).toBe(409);
    expect(same.json().error.code).toBe('MODEL_EXISTS');
    // Each caller's answer stays its own.
    const again = await create('alice', 'idem-alice', 'shared-key');
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect((await create('alice', 'idem-bob', 'shared-key')).statusCode).toBe(422);
  });
});
