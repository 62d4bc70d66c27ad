/**
 * The table of every registered route × its declared traits, as a file snapshot: a route that gains
 * or loses a behaviour (forwarding, idempotency, prediction log, shadows, early shedding, the model
 * check, its error format or its rule) shows up in review as a changed line. Also: the start fails
 * closed for a route that declares no traits, and plugin routes get theirs.
 */
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Rule } from '../auth/authorize.js';
import { startTestServer, type TestServer } from '../test-support/test-server.js';
import { registerPolicyCheck } from './auth-hook.js';
import { read } from './policy.js';
import type { RouteTraits } from './route-traits.js';
import { traits } from './route-traits.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ seedDemoModels: false });
});
afterAll(() => server?.close());

function rule(r: Rule): string {
  return 'scope' in r ? `${r.access}(${r.scope})` : r.access;
}

function line(method: string, url: string, t: RouteTraits): string {
  const flags = [
    t.model && `model=${t.model}`,
    t.forward && 'forward',
    t.idempotency && `idempotency=${t.idempotency}`,
    t.servedVersion && 'served-version',
    t.predictionLog && `prediction-log=${t.predictionLog}`,
    t.shadow && 'shadow',
    t.earlyShedding && 'early-shedding',
  ].filter(Boolean);
  return `${method.padEnd(6)} ${url.padEnd(58)} ${rule(t.policy).padEnd(22)} ${t.kind.padEnd(18)} ${t.errors.padEnd(6)} ${flags.join(' ')}`.trimEnd();
}

describe('route traits', () => {
  it('every registered route and what it declares (snapshot)', async () => {
    // The web app's files are named by their build's hashes (and absent before a build): public, `web`.
    const rows = server.app.routeTable
      .filter((r) => r.method !== 'HEAD' && r.traits.kind !== 'web')
      .map((r) => line(r.method, r.url, r.traits))
      .sort();
    expect(rows.length).toBeGreaterThan(50);
    await expect(`${rows.join('\n')}\n`).toMatchFileSnapshot('./__snapshots__/route-traits.txt');
  });

  it("the web app's files are public", () => {
    for (const r of server.app.routeTable.filter((e) => e.traits.kind === 'web'))
      expect(r.traits.policy, r.url).toEqual({ access: 'public' });
  });

  it('a HEAD route has the traits of its GET', () => {
    const heads = server.app.routeTable.filter((r) => r.method === 'HEAD');
    expect(heads.length).toBeGreaterThan(10);
    for (const head of heads) {
      const get = server.app.routeTable.find((r) => r.method === 'GET' && r.url === head.url);
      expect(head.traits, head.url).toBe(get?.traits);
    }
  });

  it('refuses to start with a route that declares no traits, and accepts one that does', async () => {
    const app = Fastify();
    registerPolicyCheck(app);
    expect(() => app.get('/api/undeclared', async () => 'open')).toThrow(
      /No access policy for GET \/api\/undeclared/,
    );
    app.get('/api/declared', { config: traits(read('models:read'), 'registry') }, async () => 'ok');
    expect(app.routeTable.map((r) => `${r.method} ${r.url} ${r.traits.kind}`)).toContain(
      'GET /api/declared registry',
    );
    await app.close();
  });
});
