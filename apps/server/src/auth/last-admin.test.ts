/**
 * The last-admin rule under concurrency (issue 14): demotions and disables sent at the same time over
 * real HTTP can never leave zero enabled admins, because the check and the change are one
 * transaction that locks the enabled admins' rows. On PGlite and, with TEST_DATABASE_URL, on the
 * PostgreSQL server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverDatabases } from '../test-support/server-databases.js';
import { startTestServer, type TestServer } from '../test-support/test-server.js';

const ADMIN_KEY = 'bootstrap-admin-key-for-the-last-admin-test-012345';
const PASSWORD = 'a long enough password';
const headers = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };

for (const database of serverDatabases) {
  describe(`the last enabled admin (${database.name})`, () => {
    let server: TestServer;
    let closeDatabase: () => Promise<void>;

    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${server.url}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });

    async function enabledAdmins(): Promise<string[]> {
      const { users } = (await (await call('GET', '/api/users')).json()) as {
        users: Array<{ name: string; role: string; disabled: boolean }>;
      };
      return users.filter((u) => u.role === 'admin' && !u.disabled).map((u) => u.name);
    }

    beforeAll(async () => {
      const opened = await database.open();
      closeDatabase = opened.close;
      server = await startTestServer({
        seedDemoModels: false,
        env: { ...opened.env, MODELGARDEN_ADMIN_KEY: ADMIN_KEY, RATE_LIMIT_PER_MINUTE: '0' },
      });
    }, 60_000);
    afterAll(async () => {
      await server?.close();
      await closeDatabase?.();
    });

    it('keeps one when every admin is demoted or disabled at the same time', async () => {
      for (let round = 0; round < 4; round++) {
        const names = Array.from({ length: 4 }, (_, i) => `admin-${round}-${i}`);
        for (const name of names) {
          const res = await call('POST', '/api/users', { name, role: 'admin', password: PASSWORD });
          expect(res.status).toBe(201);
        }
        // Everyone else first, one at a time: only this round's four are enabled admins.
        for (const name of await enabledAdmins())
          if (!names.includes(name))
            expect((await call('PATCH', `/api/users/${name}`, { role: 'member' })).status).toBe(200);
        expect((await enabledAdmins()).sort()).toEqual(names);
        const patchOf = (i: number) => (i % 2 === 0 ? { role: 'member' as const } : { disabled: true });
        // Over HTTP (separate connections), and straight into the service, whose calls all start
        // before any finishes: the interleaving that left zero admins before the check was atomic.
        const statuses =
          round % 2 === 0
            ? (
                await Promise.all(names.map((name, i) => call('PATCH', `/api/users/${name}`, patchOf(i))))
              ).map((a) => a.status)
            : (
                await Promise.allSettled(
                  names.map((name, i) => server.context.auth.users.update(name, patchOf(i))),
                )
              ).map((r) =>
                r.status === 'fulfilled'
                  ? 200
                  : (r.reason as { code?: string }).code === 'LAST_ADMIN'
                    ? 409
                    : 500,
              );
        expect(statuses.sort()).toEqual([200, 200, 200, 409]);
        expect(await enabledAdmins()).toHaveLength(1);
      }
    });
  });
}
