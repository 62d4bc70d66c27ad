/**
 * Providers and model aliases admins manage through /api/llm/providers and /api/llm/aliases, on
 * PGlite and (with TEST_DATABASE_URL) the PostgreSQL server: a stored provider's models are offered
 * at once, its credential is sealed in the database and appears in no answer, no audit entry and no
 * log line (every raw body of the suite and every log line, at debug, are searched for it); bad
 * inputs get their codes; concurrent changes stay consistent; a second replica picks changes up; a
 * restart with another key reports the credential it cannot open, and a rotation re-seals it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { eq } from 'drizzle-orm';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { llmProviders } from '../../db/llm-schema.js';
import { SecretBox, secretKeyId } from '../../security/secret-box.js';
import { type RunningServer, startServer } from '../../server.js';
import { type FakeLlm, finish, say, startFakeOpenAI, turn } from '../../test-support/fake-llm/index.js';
import { serverDatabases } from '../../test-support/server-databases.js';

const ADMIN_KEY = 'bootstrap-admin-key-for-the-llm-provider-tests';
const SECRET = `sk-stored-credential-${randomBytes(12).toString('hex')}`;
const SECOND_SECRET = `sk-second-credential-${randomBytes(12).toString('hex')}`;
const KEY = randomBytes(32);
const OTHER_KEY = randomBytes(32);
const PASSWORD = 'a long enough password for mia';

for (const database of serverDatabases) {
  describe(`LLM providers and aliases through the API (${database.name})`, () => {
    let closeDatabase: () => Promise<void>;
    let dbEnv: Record<string, string>;
    let dataDir: string;
    let configDir: string;
    let upstream: FakeLlm;
    let envUpstream: FakeLlm;
    let server: RunningServer;
    let memberKey: string;
    const logs: string[] = [];
    /** Every answer body of the suite, raw. */
    const bodies: string[] = [];
    const servers: RunningServer[] = [];
    const capture = new Writable({
      write(chunk, _enc, done) {
        logs.push(String(chunk));
        done();
      },
    });

    async function boot(env: Record<string, string> = {}, dir = dataDir): Promise<RunningServer> {
      const s = await startServer({
        dataDir: dir,
        port: 0,
        host: '127.0.0.1',
        logLevel: 'debug',
        logDestination: capture,
        env: {
          MODELGARDEN_ADMIN_KEY: ADMIN_KEY,
          MODELGARDEN_SECRET_KEY: KEY.toString('base64'),
          OPENAI_BASE_URL: envUpstream.url,
          LLM_CONFIG: path.join(configDir, 'llm.yaml'),
          SEED_DEMO_MODELS: 'false',
          RATE_LIMIT_PER_MINUTE: '0',
          ...dbEnv,
          ...env,
        },
      });
      servers.push(s);
      return s;
    }

    async function call(opts: InjectOptions, who: string | null = ADMIN_KEY, on = server) {
      const res = await on.app.inject({
        ...opts,
        headers: { ...(who ? { authorization: `Bearer ${who}` } : {}), ...opts.headers },
      });
      bodies.push(res.body);
      return { status: res.statusCode, body: res.body ? res.json() : null, raw: res.body };
    }

    const models = async (on = server) =>
      (
        (await call({ method: 'GET', url: '/v1/models' }, ADMIN_KEY, on)).body.data as Array<{ id: string }>
      ).map((m) => m.id);
    const chat = (model: string, on = server) =>
      call(
        {
          method: 'POST',
          url: '/v1/chat/completions',
          payload: { model, messages: [{ role: 'user', content: 'Hi' }] },
        },
        memberKey,
        on,
      );
    const provider = async (name: string) =>
      (await call({ method: 'GET', url: `/api/llm/providers/${name}` })).body;
    /** The stored provider `local` (on the fake upstream, with SECRET) that later tests work on: made if missing. */
    async function ensureLocal(): Promise<void> {
      if ((await call({ method: 'GET', url: '/api/llm/providers/local' })).status !== 404) return;
      const made = await call({
        method: 'POST',
        url: '/api/llm/providers',
        payload: { name: 'local', kind: 'openai-compatible', baseUrl: upstream.url, apiKey: SECRET },
      });
      expect(made.status, made.raw).toBe(201);
    }

    beforeAll(async () => {
      const opened = await database.open();
      closeDatabase = opened.close;
      dbEnv = opened.env;
      dataDir = await mkdtemp(path.join(os.tmpdir(), 'mg-llm-providers-'));
      configDir = await mkdtemp(path.join(os.tmpdir(), 'mg-llm-providers-config-'));
      upstream = await startFakeOpenAI({
        apiKey: SECRET,
        models: [
          { id: 'gpt-local', kind: 'chat' },
          { id: 'embed-local', kind: 'embedding' },
        ],
      });
      envUpstream = await startFakeOpenAI({ models: [{ id: 'gpt-env', kind: 'chat' }] });
      await writeFile(
        path.join(configDir, 'llm.yaml'),
        [
          'providers:',
          `  - { name: filed, kind: openai-compatible, baseUrl: "${envUpstream.url}", apiKey: sk-in-the-file }`,
          'aliases:',
          '  from-file: { deployments: [openai/gpt-env] }',
        ].join('\n'),
      );
      server = await boot();
      await server.ready;
      expect(
        (
          await call({
            method: 'POST',
            url: '/api/users',
            payload: { name: 'mia', role: 'member', password: PASSWORD },
          })
        ).status,
      ).toBe(201);
      const key = await call({
        method: 'POST',
        url: '/api/keys',
        payload: { name: 'k', scopes: ['chat', 'models:read'], user: 'mia' },
      });
      memberKey = key.body.key;
    }, 120_000);

    afterAll(async () => {
      for (const s of servers) await s.close().catch(() => {});
      await upstream?.close();
      await envUpstream?.close();
      await closeDatabase?.();
      await rm(dataDir, { recursive: true, force: true });
      await rm(configDir, { recursive: true, force: true });
    });

    it('lists env and LLM_CONFIG providers as read-only, with settings for admins only', async () => {
      const admin = await call({ method: 'GET', url: '/api/llm/providers' });
      expect(admin.status).toBe(200);
      expect(admin.body.secretKey).toEqual({ configured: true, keyId: secretKeyId(KEY) });
      expect(admin.body.providers).toEqual([
        expect.objectContaining({ name: 'openai', source: 'env', readOnly: true, hasApiKey: false }),
        expect.objectContaining({ name: 'filed', source: 'file', readOnly: true, hasApiKey: true }),
      ]);
      expect(admin.raw).not.toContain('sk-in-the-file');
      const member = await call({ method: 'GET', url: '/api/llm/providers' }, memberKey);
      expect(member.status).toBe(200);
      expect(member.body.secretKey).toBeUndefined();
      for (const p of member.body.providers) {
        expect(Object.keys(p).sort()).toEqual(
          ['enabled', 'error', 'kind', 'listedAt', 'models', 'name', 'source', 'state'].sort(),
        );
      }
      expect((await call({ method: 'POST', url: '/api/llm/providers', payload: {} }, memberKey)).status).toBe(
        403,
      );
      expect((await call({ method: 'GET', url: '/api/llm/aliases' }, memberKey)).status).toBe(403);
    });

    it('adds a provider whose models are offered at once, its credential sealed in the database', async () => {
      const created = await call({
        method: 'POST',
        url: '/api/llm/providers',
        payload: { name: 'local', kind: 'openai-compatible', baseUrl: `${upstream.url}/`, apiKey: SECRET },
      });
      expect(created.status, created.raw).toBe(201);
      expect(created.body).toMatchObject({
        name: 'local',
        source: 'database',
        readOnly: false,
        baseUrl: upstream.url,
        hasApiKey: true,
        enabled: true,
        state: 'active',
        models: 2,
        revision: 1,
        createdBy: 'admin-key',
      });
      expect(created.raw).not.toContain(SECRET);
      expect(await models()).toEqual(expect.arrayContaining(['local/gpt-local', 'local/embed-local']));
      upstream.enqueue(turn(say('from the stored provider'), finish('stop')));
      const answer = await chat('local/gpt-local');
      expect(answer.status, answer.raw).toBe(200);
      expect(answer.body.choices[0].message.content).toBe('from the stored provider');
      expect(upstream.requestsTo('chat').at(-1)!.headers.authorization).toBe(`Bearer ${SECRET}`);

      // An upstream that quotes the key it was sent: the quote never reaches the caller.
      upstream.enqueue({ error: { status: 400, message: `the key ${SECRET} may not call this model` } });
      const quoted = await chat('local/gpt-local');
      expect(quoted.status).toBe(400);
      expect(quoted.raw).toContain('may not call this model');
      expect(quoted.raw).not.toContain(SECRET);

      const [row] = await server.context.database.db
        .select()
        .from(llmProviders)
        .where(eq(llmProviders.name, 'local'));
      expect(row!.apiKeySealed).not.toContain(SECRET);
      expect(SecretBox.keyIdOf(row!.apiKeySealed!)).toBe(secretKeyId(KEY));
      expect(new SecretBox(KEY).open(row!.apiKeySealed!, 'llm-provider:local')).toBe(SECRET);
    });

    it('refuses bad input with stable codes', async () => {
      await ensureLocal();
      const revision = (await provider('local')).revision;
      const create = (payload: object) => call({ method: 'POST', url: '/api/llm/providers', payload });
      const base = { kind: 'openai-compatible', baseUrl: upstream.url };
      const cases: Array<[object, number, string]> = [
        [{ ...base, name: 'Bad Name' }, 400, 'INVALID_PROVIDER_NAME'],
        [{ ...base, name: 'has/slash' }, 400, 'INVALID_PROVIDER_NAME'],
        [{ ...base, name: 'x'.repeat(64) }, 400, 'INVALID_PROVIDER_NAME'],
        [{ ...base, name: 'ftp', baseUrl: 'ftp://example.com' }, 400, 'INVALID_PROVIDER_URL'],
        [{ ...base, name: 'rel', baseUrl: '/v1' }, 400, 'INVALID_PROVIDER_URL'],
        [{ ...base, name: 'js', baseUrl: 'javascript:alert(1)' }, 400, 'INVALID_PROVIDER_URL'],
        [{ ...base, name: 'nul', baseUrl: 'http://127.0.0.1:1/v1\u0000x' }, 400, 'INVALID_PROVIDER_URL'],
        [{ ...base, name: 'models-nul', models: ['a\u0000b'] }, 400, 'INVALID_INPUT'],
        [
          { ...base, name: 'creds', baseUrl: `http://user:${SECRET}@127.0.0.1:1/v1` },
          400,
          'INVALID_PROVIDER_URL',
        ],
        [{ ...base, name: 'q', baseUrl: `http://127.0.0.1:1/v1?key=${SECRET}` }, 400, 'INVALID_PROVIDER_URL'],
        [{ name: 'claude', kind: 'anthropic' }, 400, 'PROVIDER_API_KEY_REQUIRED'],
        [{ name: 'gem', kind: 'gemini', apiKey: '' }, 400, 'VALIDATION_FAILED'],
        [{ ...base, name: 'kind', kind: 'cohere' }, 400, 'VALIDATION_FAILED'],
        [{ ...base, name: 'extra', headers: { 'x-key': SECRET } }, 400, 'VALIDATION_FAILED'],
        [{ ...base, name: 'slow', connectTimeoutMs: 0 }, 400, 'VALIDATION_FAILED'],
        [{ ...base, name: 'local' }, 409, 'PROVIDER_EXISTS'],
        [{ ...base, name: 'openai' }, 409, 'PROVIDER_EXISTS'],
        [{ ...base, name: 'from-file' }, 409, 'PROVIDER_EXISTS'],
        [{ ...base, name: 'key-too-long', apiKey: 'k'.repeat(9000) }, 400, 'VALIDATION_FAILED'],
        // Sent as a header value: a line break or a non-ASCII character would fail every call later.
        [{ ...base, name: 'key-crlf', apiKey: `${SECRET}\r\nx-injected: 1` }, 400, 'VALIDATION_FAILED'],
        [{ ...base, name: 'key-space', apiKey: `${SECRET} ` }, 400, 'VALIDATION_FAILED'],
        [{ ...base, name: 'key-unicode', apiKey: `${SECRET}\u2011x` }, 400, 'VALIDATION_FAILED'],
      ];
      for (const [payload, status, code] of cases) {
        const res = await create(payload);
        expect([res.status, res.body?.error?.code], JSON.stringify(payload)).toEqual([status, code]);
        expect(res.raw).not.toContain(SECRET);
      }
      const malformed = await call({
        method: 'POST',
        url: '/api/llm/providers',
        headers: { 'content-type': 'application/json' },
        payload: `{"name":"m","kind":"openai-compatible","apiKey":"${SECRET}",}`,
      });
      expect([malformed.status, malformed.body.error.code]).toEqual([400, 'MALFORMED_JSON']);
      expect(malformed.raw).not.toContain(SECRET);
      const patch = (name: string, payload: object) =>
        call({ method: 'PATCH', url: `/api/llm/providers/${name}`, payload });
      expect((await patch('openai', { enabled: false })).body.error.code).toBe('LLM_CONFIG_READ_ONLY');
      expect((await patch('nobody', { enabled: false })).body.error.code).toBe('PROVIDER_NOT_FOUND');
      expect((await patch('local', { baseUrl: 'file:///etc/passwd' })).body.error.code).toBe(
        'INVALID_PROVIDER_URL',
      );
      expect((await patch('local', { kind: 'gemini', apiKey: null })).body.error.code).toBe(
        'PROVIDER_API_KEY_REQUIRED',
      );
      // The stored key would go to another host unseen: moving there takes the key again.
      const moved = await patch('local', { baseUrl: 'http://attacker.example:8000/v1' });
      expect([moved.status, moved.body.error.code, moved.body.error.details]).toEqual([
        400,
        'PROVIDER_API_KEY_REQUIRED',
        { param: 'apiKey' },
      ]);
      expect((await provider('local')).baseUrl).toBe(upstream.url);
      expect((await call({ method: 'DELETE', url: '/api/llm/providers/filed' })).body.error.code).toBe(
        'LLM_CONFIG_READ_ONLY',
      );
      expect((await call({ method: 'GET', url: '/api/llm/providers/nobody' })).body.error.code).toBe(
        'PROVIDER_NOT_FOUND',
      );
      expect((await provider('local')).revision).toBe(revision);
    });

    it('manages aliases over stored providers, checking every deployment', async () => {
      await ensureLocal();
      const create = (payload: object) => call({ method: 'POST', url: '/api/llm/aliases', payload });
      const made = await create({
        name: 'team-chat',
        deployments: [{ model: 'local/gpt-local', weight: 3 }, { model: 'openai/gpt-env' }],
        fallbacks: ['filed/gpt-env'],
      });
      expect(made.status, made.raw).toBe(201);
      expect(made.body).toMatchObject({
        name: 'team-chat',
        source: 'database',
        deployments: [
          { model: 'local/gpt-local', weight: 3 },
          { model: 'openai/gpt-env', weight: 1 },
        ],
        fallbacks: ['filed/gpt-env'],
        revision: 1,
      });
      expect(await models()).toContain('team-chat');
      const cases: Array<[object, number, string]> = [
        [{ name: 'a', deployments: [{ model: 'nobody/x' }] }, 400, 'INVALID_DEPLOYMENT'],
        [{ name: 'a', deployments: [{ model: 'local/no-such-model' }] }, 400, 'INVALID_DEPLOYMENT'],
        [{ name: 'a', deployments: [{ model: 'no-slash' }] }, 400, 'INVALID_DEPLOYMENT'],
        [
          { name: 'a', deployments: [{ model: 'local/gpt-local' }], fallbacks: ['x/y'] },
          400,
          'INVALID_DEPLOYMENT',
        ],
        [{ name: 'a', deployments: [{ model: 'local/gpt-local', weight: 0 }] }, 400, 'VALIDATION_FAILED'],
        [{ name: 'a', deployments: [{ model: 'local/gpt-local', weight: -1 }] }, 400, 'VALIDATION_FAILED'],
        [{ name: 'a', deployments: [] }, 400, 'VALIDATION_FAILED'],
        [{ name: 'A!', deployments: [{ model: 'local/gpt-local' }] }, 400, 'INVALID_LLM_ALIAS_NAME'],
        [{ name: 'team-chat', deployments: [{ model: 'local/gpt-local' }] }, 409, 'LLM_ALIAS_EXISTS'],
        [{ name: 'from-file', deployments: [{ model: 'local/gpt-local' }] }, 409, 'LLM_ALIAS_EXISTS'],
        [{ name: 'local', deployments: [{ model: 'local/gpt-local' }] }, 409, 'LLM_ALIAS_EXISTS'],
      ];
      for (const [payload, status, code] of cases) {
        const res = await create(payload);
        expect([res.status, res.body?.error?.code], JSON.stringify(payload)).toEqual([status, code]);
      }
      const deployment = await create({ name: 'a', deployments: [{ model: 'local/no-such-model' }] });
      expect(deployment.body.error.details).toEqual({
        param: 'deployments.0.model',
        model: 'local/no-such-model',
      });

      const listed = await call({ method: 'GET', url: '/api/llm/aliases' });
      expect(listed.body.aliases.map((a: { name: string; source: string }) => [a.name, a.source])).toEqual([
        ['from-file', 'file'],
        ['team-chat', 'database'],
      ]);
      upstream.enqueue(turn(say('via the alias'), finish('stop')));
      const onlyLocal = await call({
        method: 'PATCH',
        url: '/api/llm/aliases/team-chat',
        payload: { deployments: [{ model: 'local/gpt-local' }], fallbacks: [], revision: 1 },
      });
      expect(onlyLocal.body).toMatchObject({
        revision: 2,
        deployments: [{ model: 'local/gpt-local', weight: 1 }],
      });
      const answer = await chat('team-chat');
      expect(answer.body.choices[0].message.content).toBe('via the alias');

      const stale = await call({
        method: 'PATCH',
        url: '/api/llm/aliases/team-chat',
        payload: { fallbacks: [], revision: 1 },
      });
      expect([stale.status, stale.body.error.code, stale.body.error.details]).toEqual([
        409,
        'LLM_CONFIG_CONFLICT',
        { revision: 2 },
      ]);
      const inUse = await call({ method: 'DELETE', url: '/api/llm/providers/local' });
      expect([inUse.status, inUse.body.error.code, inUse.body.error.details]).toEqual([
        409,
        'PROVIDER_IN_USE',
        { aliases: ['team-chat'] },
      ]);
      expect(
        (await call({ method: 'PATCH', url: '/api/llm/aliases/from-file', payload: { fallbacks: [] } })).body
          .error.code,
      ).toBe('LLM_CONFIG_READ_ONLY');
      expect((await call({ method: 'DELETE', url: '/api/llm/aliases/nope' })).body.error.code).toBe(
        'LLM_ALIAS_NOT_FOUND',
      );
      expect((await call({ method: 'DELETE', url: '/api/llm/aliases/team-chat' })).status).toBe(204);
      expect(await models()).not.toContain('team-chat');
    });

    it('replaces, removes and disables a credential without a restart', async () => {
      const removed = await call({
        method: 'PATCH',
        url: '/api/llm/providers/local',
        payload: { apiKey: null },
      });
      expect(removed.body).toMatchObject({ hasApiKey: false, revision: 2 });
      // The fake refuses a call without its key (before using any scripted answer).
      const refused = await chat('local/gpt-local');
      expect(refused.status).toBeGreaterThanOrEqual(400);
      expect(upstream.requestsTo('chat').at(-1)!.headers.authorization).toBeUndefined();

      const replaced = await call({
        method: 'PATCH',
        url: '/api/llm/providers/local',
        payload: { apiKey: SECOND_SECRET, revision: 3 },
      });
      expect(replaced.body.error.code).toBe('LLM_CONFIG_CONFLICT');
      const ok = await call({
        method: 'PATCH',
        url: '/api/llm/providers/local',
        payload: { apiKey: SECOND_SECRET, revision: 2 },
      });
      expect(ok.body).toMatchObject({ hasApiKey: true, revision: 3, updatedBy: 'admin-key' });
      expect(ok.raw).not.toContain(SECOND_SECRET);
      // The fake takes only the first key: the second one reaches it, and it refuses it.
      expect((await chat('local/gpt-local')).status).toBeGreaterThanOrEqual(400);
      expect(upstream.requestsTo('chat').at(-1)!.headers.authorization).toBe(`Bearer ${SECOND_SECRET}`);

      const disabled = await call({
        method: 'PATCH',
        url: '/api/llm/providers/local',
        payload: { enabled: false },
      });
      expect(disabled.body).toMatchObject({ enabled: false, state: 'disabled' });
      expect(await models()).not.toContain('local/gpt-local');
      expect((await chat('local/gpt-local')).status).toBe(404);
      await call({
        method: 'PATCH',
        url: '/api/llm/providers/local',
        payload: { enabled: true, apiKey: SECRET },
      });
      expect(await models()).toContain('local/gpt-local');
    });

    it('keeps concurrent changes consistent: one create per name, one patch per revision', async () => {
      const creates = await Promise.all(
        Array.from({ length: 8 }, () =>
          call({
            method: 'POST',
            url: '/api/llm/providers',
            payload: { name: 'racer', kind: 'ollama', baseUrl: upstream.origin, apiKey: SECRET },
          }),
        ),
      );
      expect(creates.map((c) => c.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
      expect(
        creates.filter((c) => c.status === 409).every((c) => c.body.error.code === 'PROVIDER_EXISTS'),
      ).toBe(true);
      const revision = (await provider('racer')).revision;
      const patches = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          call({
            method: 'PATCH',
            url: '/api/llm/providers/racer',
            payload: { models: [`m${i}`], revision },
          }),
        ),
      );
      expect(patches.map((p) => p.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
      const winner = patches.find((p) => p.status === 200)!.body.configuredModels;
      expect((await provider('racer')).configuredModels).toEqual(winner);
      expect((await provider('racer')).revision).toBe(revision + 1);

      // An alias onto a provider racing the provider's deletion: never an alias left pointing nowhere.
      const [alias, deleted] = await Promise.all([
        call({
          method: 'POST',
          url: '/api/llm/aliases',
          payload: { name: 'racy', deployments: [{ model: 'racer/gpt-local' }] },
        }),
        call({ method: 'DELETE', url: '/api/llm/providers/racer' }),
      ]);
      if (alias.status === 201) expect(deleted.body.error.code).toBe('PROVIDER_IN_USE');
      else {
        expect(deleted.status).toBe(204);
        expect(alias.body.error.code).toBe('INVALID_DEPLOYMENT');
      }
      await call({ method: 'DELETE', url: '/api/llm/aliases/racy' });
      await call({ method: 'DELETE', url: '/api/llm/providers/racer' });
      expect((await call({ method: 'GET', url: '/api/llm/providers/racer' })).status).toBe(404);
    });

    it.skipIf(database.name === 'PGlite')(
      'reaches another replica on the same database without a restart',
      async () => {
        const other = await boot({}, await mkdtemp(path.join(os.tmpdir(), 'mg-llm-replica-')));
        await other.ready;
        await call({
          method: 'POST',
          url: '/api/llm/providers',
          payload: { name: 'shared', kind: 'openai-compatible', baseUrl: upstream.url, apiKey: SECRET },
        });
        await expect
          .poll(() => models(other), { timeout: 15_000, interval: 200 })
          .toContain('shared/gpt-local');
        upstream.enqueue(turn(say('from the other replica'), finish('stop')));
        expect((await chat('shared/gpt-local', other)).body.choices[0].message.content).toBe(
          'from the other replica',
        );
        expect(upstream.requestsTo('chat').at(-1)!.headers.authorization).toBe(`Bearer ${SECRET}`);
        await call({ method: 'DELETE', url: '/api/llm/providers/shared' });
        await expect
          .poll(() => models(other), { timeout: 15_000, interval: 200 })
          .not.toContain('shared/gpt-local');
        await other.close();
      },
    );

    it('writes audit entries that name the provider and carry no credential', async () => {
      const audit = await call({ method: 'GET', url: '/api/audit?limit=200' });
      expect(audit.status).toBe(200);
      expect(audit.raw).toContain('llm-provider:local');
      expect(audit.raw).toContain('POST /api/llm/providers');
      expect(audit.raw).not.toContain(SECRET);
      expect(audit.raw).not.toContain(SECOND_SECRET);
    });

    it('refuses to store a credential without MODELGARDEN_SECRET_KEY, naming the variable', async () => {
      const keyless = await boot(
        { MODELGARDEN_SECRET_KEY: '' },
        await mkdtemp(path.join(os.tmpdir(), 'mg-llm-keyless-')),
      );
      await keyless.ready;
      const refused = await call(
        {
          method: 'POST',
          url: '/api/llm/providers',
          payload: { name: 'nokey', kind: 'openai-compatible', baseUrl: upstream.url, apiKey: SECRET },
        },
        ADMIN_KEY,
        keyless,
      );
      expect([refused.status, refused.body.error.code]).toEqual([409, 'SECRET_KEY_NOT_CONFIGURED']);
      expect(refused.body.error.message).toContain('MODELGARDEN_SECRET_KEY');
      expect(refused.raw).not.toContain(SECRET);
      const listed = await call({ method: 'GET', url: '/api/llm/providers' }, ADMIN_KEY, keyless);
      expect(listed.body.secretKey).toEqual({ configured: false, keyId: null });
      await keyless.close();
    });

    it('reports a credential no configured key opens, and re-seals it when the old key is listed as previous', async () => {
      await server.close();
      const wrong = await boot({ MODELGARDEN_SECRET_KEY: OTHER_KEY.toString('hex') });
      await wrong.ready;
      await expect
        .poll(
          async () =>
            (await call({ method: 'GET', url: '/api/llm/providers/local' }, ADMIN_KEY, wrong)).body.state,
        )
        .toBe('error');
      const shown = (await call({ method: 'GET', url: '/api/llm/providers/local' }, ADMIN_KEY, wrong)).body;
      expect(shown.error).toContain(`sealed with key ${secretKeyId(KEY)}`);
      expect(shown.error).toContain('MODELGARDEN_SECRET_KEY_PREVIOUS');
      // Someone who may only read models learns that it failed, not why (key ids, hosts, upstream text).
      const listed = (await call({ method: 'GET', url: '/api/llm/providers' }, memberKey, wrong)).body;
      const seen = listed.providers.find((p: { name: string }) => p.name === 'local');
      expect(seen).toMatchObject({ state: 'error', error: expect.stringContaining('/admin/llm') });
      expect(seen.error).not.toContain(secretKeyId(KEY));
      expect(await models(wrong)).not.toContain('local/gpt-local');
      expect(logs.join('')).toContain('opening the stored credential of provider \\"local\\"');
      await wrong.close();

      const rotated = await boot({
        MODELGARDEN_SECRET_KEY: OTHER_KEY.toString('hex'),
        MODELGARDEN_SECRET_KEY_PREVIOUS: KEY.toString('base64url'),
      });
      await rotated.ready;
      await expect.poll(() => models(rotated)).toContain('local/gpt-local');
      upstream.enqueue(turn(say('after the rotation'), finish('stop')));
      expect((await chat('local/gpt-local', rotated)).body.choices[0].message.content).toBe(
        'after the rotation',
      );
      expect(upstream.requestsTo('chat').at(-1)!.headers.authorization).toBe(`Bearer ${SECRET}`);
      await expect
        .poll(async () => {
          const [row] = await rotated.context.database.db
            .select()
            .from(llmProviders)
            .where(eq(llmProviders.name, 'local'));
          return SecretBox.keyIdOf(row!.apiKeySealed!);
        })
        .toBe(secretKeyId(OTHER_KEY));
      await rotated.close();
    });

    it('never answered or logged a credential', () => {
      expect(bodies.length).toBeGreaterThan(50);
      for (const secret of [
        SECRET,
        SECOND_SECRET,
        'sk-in-the-file',
        KEY.toString('base64'),
        KEY.toString('hex'),
      ]) {
        expect(bodies.filter((b) => b.includes(secret))).toEqual([]);
        expect(logs.filter((l) => l.includes(secret))).toEqual([]);
      }
      // The capture saw the suite's requests: the check above is not vacuous.
      expect(logs.some((l) => l.includes('/api/llm/providers'))).toBe(true);
    });
  });
}
