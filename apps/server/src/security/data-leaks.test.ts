/**
 * Issue 18's data leaks between callers (items 2, 3 and 4), each pinned by a test named after it,
 * and the attack-suite check that keeps the class from coming back: for every route whose `:name`
 * names a model (enumerated from the app's route table, not a list), a model hidden from the caller
 * and a missing one give byte-identical answers for the same malformed input, for an anonymous caller
 * and for another team's member. On PGlite and, with TEST_DATABASE_URL, on the PostgreSQL server.
 */
import { readFile } from 'node:fs/promises';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverDatabases } from '../test-support/server-databases.js';
import { IRIS_ONNX, multipart, startTestServer, type TestServer } from '../test-support/test-server.js';

const ADMIN_KEY = 'bootstrap-admin-key-for-the-data-leak-tests-0123456';
const PASSWORD = 'a long enough password';
const SETOSA = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };
const HIDDEN = 'secret';
const MISSING = 'absent';

/** The parts of an answer a caller sees, with the model's name replaced (the names differ). */
function seen(res: LightMyRequestResponse, name: string) {
  return {
    status: res.statusCode,
    type: res.headers['content-type'],
    allow: res.headers.allow,
    body: res.body.replaceAll(name, '<model>'),
  };
}

for (const database of serverDatabases) {
  describe(`data leaks between callers (${database.name})`, () => {
    let server: TestServer;
    let closeDatabase: () => Promise<void>;
    const keys: Record<string, string> = {};
    const as = (who: string | null, opts: InjectOptions) =>
      server.app.inject({
        ...opts,
        headers: {
          ...(who ? { authorization: `Bearer ${who === 'root' ? ADMIN_KEY : keys[who]}` } : {}),
          ...opts.headers,
        },
      });

    async function user(name: string, role: string, team: string | null) {
      const created = await as('root', {
        method: 'POST',
        url: '/api/users',
        payload: { name, role, team, password: PASSWORD },
      });
      expect(created.statusCode, created.body).toBe(201);
      const scopes = role === 'viewer' ? ['models:read', 'predict'] : ['models:write', 'predict'];
      const key = await as('root', {
        method: 'POST',
        url: '/api/keys',
        payload: { name: 'k', scopes, user: name },
      });
      expect(key.statusCode, key.body).toBe(201);
      keys[name] = key.json().key;
    }

    async function push(who: string, model: string) {
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
      const res = await as(who, { method: 'POST', url: `/api/models/${model}/versions`, ...form });
      expect(res.statusCode, res.body).toBe(201);
    }

    beforeAll(async () => {
      const opened = await database.open();
      closeDatabase = opened.close;
      server = await startTestServer({
        seedDemoModels: false,
        env: {
          ...opened.env,
          MODELGARDEN_ADMIN_KEY: ADMIN_KEY,
          ANONYMOUS_LOOPBACK_WRITES: 'false',
          RATE_LIMIT_PER_MINUTE: '0',
        },
      });
      await user('alice', 'member', 'red');
      await user('vic', 'viewer', 'red');
      await user('bob', 'member', 'blue');
      const create = await as('alice', {
        method: 'POST',
        url: '/api/models',
        payload: { name: HIDDEN, visibility: 'team' },
      });
      expect(create.json()).toMatchObject({ visibility: 'team', team: 'red' });
      await push('alice', HIDDEN);
      const promote = await as('alice', {
        method: 'PUT',
        url: `/api/models/${HIDDEN}/aliases/production`,
        payload: { version: 1 },
      });
      expect(promote.statusCode, promote.body).toBe(200);
      // A public model nobody's team owns, and one red owns but shows to everyone.
      await push('root', 'shared');
      const owned = await as('alice', {
        method: 'POST',
        url: '/api/models',
        payload: { name: 'red-public', team: 'red' },
      });
      expect(owned.json()).toMatchObject({ visibility: 'public', team: 'red' });
    }, 120_000);
    afterAll(async () => {
      await server?.close();
      await closeDatabase?.();
    });

    /** The same request for the hidden and the missing model, as `who`: the two answers. */
    async function both(
      who: string | null,
      method: string,
      path: (name: string) => string,
      payload?: unknown,
    ) {
      const ask = (name: string) =>
        as(who, {
          method: method as 'GET',
          url: path(name),
          ...(payload === undefined
            ? {}
            : typeof payload === 'string'
              ? { payload, headers: { 'content-type': 'application/json' } }
              : { payload: payload as object }),
        });
      const [hidden, missing] = [await ask(HIDDEN), await ask(MISSING)];
      return { hidden: seen(hidden, HIDDEN), missing: seen(missing, MISSING) };
    }

    it('item 2: a team-private model answers exactly as a missing one does (the reported requests)', async () => {
      const cases: Array<[string, (n: string) => string, unknown?]> = [
        ['GET', (n) => `/api/models/${n}/versions/abc`],
        ['POST', (n) => `/api/models/${n}/predict?version=abc`, { inputs: SETOSA }],
        ['GET', (n) => `/api/models/${n}/predictions?limit=-1`],
        ['GET', (n) => `/api/models/${n}/drift?from=bad`],
        ['GET', (n) => `/v2/models/${n}/versions/production`],
      ];
      for (const who of [null, 'bob']) {
        for (const [method, path, payload] of cases) {
          const { hidden, missing } = await both(who, method, path, payload);
          expect(hidden, `${who ?? 'anonymous'} ${method} ${path(HIDDEN)}`).toEqual(missing);
          expect(hidden.status).toBeGreaterThanOrEqual(400);
        }
      }
      // Its own team still gets the real answers.
      const own = await as('vic', { url: `/api/models/${HIDDEN}/versions/abc` });
      expect(own.json().error.code).toBe('INVALID_VERSION');
    });

    it('item 2: creating a model whose name a hidden model holds answers as for a visible one (409 MODEL_EXISTS)', async () => {
      for (const who of [null, 'bob']) {
        if (who === null) continue; // anonymous callers may not create: 401 for any name
        const hidden = await as(who, { method: 'POST', url: '/api/models', payload: { name: HIDDEN } });
        const visible = await as(who, { method: 'POST', url: '/api/models', payload: { name: 'shared' } });
        expect(seen(hidden, HIDDEN)).toEqual(seen(visible, 'shared'));
        expect(hidden.statusCode).toBe(409);
        expect(hidden.json().error.code).toBe('MODEL_EXISTS');
      }
      // A push to the hidden name is refused the same way, and stores nothing.
      const form = multipart([{ name: 'file', filename: 'iris.onnx', data: await readFile(IRIS_ONNX) }]);
      const pushed = await as('bob', { method: 'POST', url: `/api/models/${HIDDEN}/versions`, ...form });
      expect(pushed.statusCode, pushed.body).toBe(409);
      expect(pushed.json().error.code).toBe('MODEL_EXISTS');
      const detail = await as('alice', { url: `/api/models/${HIDDEN}` });
      expect(detail.json().versions).toHaveLength(1);
    });

    it('attack suite: every route that takes a model name answers a hidden and a missing model alike', async () => {
      const routes = server.app.routeTable.filter((r) => r.traits.model !== null && r.method !== 'HEAD');
      expect(routes.length).toBeGreaterThan(25);
      const fill = (template: string, name: string) =>
        template
          .replace(':name', name)
          .replace(':version', 'abc')
          .replace(':alias', 'production')
          .replace(/:\w+/g, 'x');
      const queries = ['', '?version=abc', '?limit=-1', '?from=bad', '?alias=Bad!', '?cursor=zz&to=bad'];
      const bodies: Array<unknown> = [undefined, {}, { inputs: 'x', version: -1 }, '{"inputs": [1, 2'];
      const mismatches: string[] = [];
      let compared = 0;
      for (const who of [null, 'bob']) {
        for (const r of routes) {
          for (const query of queries) {
            for (const body of r.method === 'GET' ? [undefined] : bodies) {
              const { hidden, missing } = await both(who, r.method, (n) => fill(r.url, n) + query, body);
              compared++;
              if (JSON.stringify(hidden) !== JSON.stringify(missing))
                mismatches.push(
                  `${who ?? 'anonymous'} ${r.method} ${r.url}${query} ${JSON.stringify(body)}: ${hidden.status} ${hidden.body.slice(0, 100)} vs ${missing.status} ${missing.body.slice(0, 100)}`,
                );
            }
          }
        }
      }
      expect(mismatches).toEqual([]);
      expect(compared).toBeGreaterThan(500);
    });

    it('item 3: GET /api/metrics/summary lists only the models the caller may see', async () => {
      await server.context.liveMetrics.sample();
      for (let i = 0; i < 3; i++) {
        const res = await as('alice', {
          method: 'POST',
          url: `/api/models/${HIDDEN}/predict`,
          payload: { inputs: SETOSA },
        });
        expect(res.statusCode, res.body).toBe(200);
      }
      await server.context.liveMetrics.sample();
      const modelsSeenBy = async (who: string | null) =>
        Object.keys((await as(who, { url: '/api/metrics/summary' })).json().models);
      expect(await modelsSeenBy('alice')).toContain(HIDDEN);
      expect(await modelsSeenBy('vic')).toContain(HIDDEN);
      expect(await modelsSeenBy('root')).toContain(HIDDEN);
      expect(await modelsSeenBy('bob')).not.toContain(HIDDEN);
      expect(await modelsSeenBy(null)).not.toContain(HIDDEN);
    });

    it("item 4: only admins and the model's team change its visibility or team", async () => {
      // Another team's member, on a public model nobody owns and on one red owns: refused, unchanged.
      for (const model of ['shared', 'red-public']) {
        const res = await as('bob', {
          method: 'PATCH',
          url: `/api/models/${model}`,
          payload: { visibility: 'team' },
        });
        expect(res.statusCode, res.body).toBe(403);
        expect(res.json().error.code).toBe('FORBIDDEN');
        const after = await as(null, { url: `/api/models/${model}` });
        expect(after.statusCode).toBe(200);
        expect(after.json().visibility).toBe('public');
      }
      // Nor may a member take an unowned model for their own team by naming it.
      const take = await as('alice', {
        method: 'PATCH',
        url: '/api/models/shared',
        payload: { team: 'red' },
      });
      expect(take.statusCode).toBe(403);
      // Red's members make red's model private and public again; it stays red's (its owning team).
      const hide = await as('alice', {
        method: 'PATCH',
        url: '/api/models/red-public',
        payload: { visibility: 'team' },
      });
      expect(hide.json()).toMatchObject({ visibility: 'team', team: 'red' });
      expect((await as('bob', { url: '/api/models/red-public' })).statusCode).toBe(404);
      const show = await as('alice', {
        method: 'PATCH',
        url: '/api/models/red-public',
        payload: { visibility: 'public' },
      });
      expect(show.json()).toMatchObject({ visibility: 'public', team: 'red' });
      expect((await as('bob', { url: '/api/models/red-public' })).statusCode).toBe(200);
      // A description is not access: any member may still edit it.
      const edit = await as('bob', {
        method: 'PATCH',
        url: '/api/models/shared',
        payload: { description: 'edited by blue' },
      });
      expect(edit.statusCode, edit.body).toBe(200);
      // Admins change anyone's.
      const admin = await as('root', {
        method: 'PATCH',
        url: '/api/models/shared',
        payload: { team: 'blue' },
      });
      expect(admin.json()).toMatchObject({ visibility: 'public', team: 'blue' });
    });

    it('creating a model and setting its access are one step: a refused access creates nothing', async () => {
      const res = await as('alice', {
        method: 'POST',
        url: '/api/models',
        payload: { name: 'given-away', visibility: 'team', team: 'blue' },
      });
      expect(res.statusCode).toBe(403);
      expect((await as('root', { url: '/api/models/given-away' })).statusCode).toBe(404);
      const ok = await as('alice', {
        method: 'POST',
        url: '/api/models',
        payload: { name: 'born-private', visibility: 'team' },
      });
      expect(ok.statusCode, ok.body).toBe(201);
      expect(ok.json()).toMatchObject({ visibility: 'team', team: 'red' });
      expect((await as('bob', { url: '/api/models/born-private' })).statusCode).toBe(404);
    });
  });
}
