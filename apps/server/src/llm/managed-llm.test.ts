/**
 * A reload of the stored LLM providers that is held up part-way (here: re-sealing a credential
 * sealed with the previous key, while another transaction holds that provider's row lock) on the
 * PostgreSQL server: the providers' views never show a half-applied reload, and a close() that
 * runs during it leaves no provider built behind it unclosed.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { llmProviders } from '../db/llm-schema.js';
import { SecretBox } from '../security/secret-box.js';
import { type RunningServer, startServer } from '../server.js';
import { type FakeLlm, startFakeOpenAI } from '../test-support/fake-llm/index.js';
import { createScratchDatabase } from '../test-support/server-databases.js';
import { ModelCatalog } from './catalog.js';
import { providerConfig } from './llm-services.js';
import { ManagedLlm } from './managed-llm.js';
import { createProvider } from './providers/index.js';

const ADMIN_KEY = 'bootstrap-admin-key-for-the-managed-llm-tests';
const SECRET = `sk-reload-${randomBytes(12).toString('hex')}`;
const KEY = randomBytes(32);
const OLD_KEY = randomBytes(32);
const serverUrl = process.env.TEST_DATABASE_URL;

describe.skipIf(!serverUrl)('a reload of the stored LLM providers held up part-way', () => {
  let scratch: { url: string; drop(): Promise<void> };
  let dataDir: string;
  let upstream: FakeLlm;
  let server: RunningServer;
  /** Another session on the same database, to hold row locks. */
  let locker: pg.Client;

  beforeAll(async () => {
    scratch = await createScratchDatabase(serverUrl!, 'modelgarden_reload');
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'mg-managed-llm-'));
    upstream = await startFakeOpenAI({ apiKey: SECRET, models: [{ id: 'gpt-stored', kind: 'chat' }] });
    server = await startServer({
      dataDir,
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      env: {
        DATABASE_URL: scratch.url,
        MODELGARDEN_ADMIN_KEY: ADMIN_KEY,
        MODELGARDEN_SECRET_KEY: KEY.toString('base64'),
        MODELGARDEN_SECRET_KEY_PREVIOUS: OLD_KEY.toString('base64'),
        SEED_DEMO_MODELS: 'false',
        RATE_LIMIT_PER_MINUTE: '0',
      },
    });
    await server.ready;
    for (const name of ['steady', 'unopenable', 'rot']) {
      const res = await server.app.inject({
        method: 'POST',
        url: '/api/llm/providers',
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
        payload: { name, kind: 'openai-compatible', baseUrl: upstream.url, apiKey: SECRET },
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    // "unopenable" gets a credential nothing opens; a reload puts it in the error state. It comes
    // after "rot" in a reload, which sets the states in name order.
    await db()
      .update(llmProviders)
      .set({ apiKeySealed: 'garbage' })
      .where(eq(llmProviders.name, 'unopenable'));
    await server.context.llm.managed.load();
    locker = new pg.Client({ connectionString: scratch.url });
    await locker.connect();
  }, 120_000);

  afterAll(async () => {
    await locker?.end().catch(() => {});
    await server?.close().catch(() => {});
    await upstream?.close();
    await scratch?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const db = () => server.context.database.db;

  /** Seals "rot"'s credential with the previous key again, so the next load re-seals it (an UPDATE). */
  const sealWithOldKey = () =>
    db()
      .update(llmProviders)
      .set({ apiKeySealed: new SecretBox(OLD_KEY).seal(SECRET, 'llm-provider:rot') })
      .where(eq(llmProviders.name, 'rot'));

  /** Holds "rot"'s row lock until the returned function is called: a reload's re-seal waits on it. */
  async function lockRot(): Promise<() => Promise<void>> {
    await locker.query('begin');
    await locker.query(`select 1 from llm_providers where name = 'rot' for update`);
    return async () => {
      await locker.query('commit');
    };
  }

  /** Until a session waits on a lock to update llm_providers (the reload's re-seal). */
  const reSealWaiting = () =>
    expect
      .poll(
        async () => {
          // Inside the locking transaction pg_stat_activity is read once and kept: read it afresh.
          await locker.query('select pg_stat_clear_snapshot()');
          return (
            await locker.query(
              `select count(*)::int as n from pg_stat_activity
                where datname = current_database() and wait_event_type = 'Lock' and query ilike 'update "llm_providers"%'`,
            )
          ).rows[0].n;
        },
        { timeout: 10_000, interval: 20 },
      )
      .toBe(1);

  it('shows every stored provider in its last state while a reload is under way', async () => {
    const states = async () => {
      const res = await server.app.inject({
        method: 'GET',
        url: '/api/llm/providers',
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
      });
      expect(res.statusCode).toBe(200);
      return Object.fromEntries(
        (res.json().providers as Array<{ name: string; state: string }>).map((p) => [p.name, p.state]),
      );
    };
    const before = await states();
    expect(before).toEqual({ steady: 'active', unopenable: 'error', rot: 'active' });
    await sealWithOldKey();
    const release = await lockRot();
    const reloading = server.context.llm.managed.load();
    try {
      await reSealWaiting();
      for (let i = 0; i < 5; i++) expect(await states()).toEqual(before);
    } finally {
      await release();
    }
    await reloading;
    expect(await states()).toEqual(before);
    const [row] = await db().select().from(llmProviders).where(eq(llmProviders.name, 'rot'));
    expect(SecretBox.keyIdOf(row!.apiKeySealed!)).toBe(new SecretBox(KEY).keyId);
  });

  it('closes every provider it built, also when close() runs while a reload waits', async () => {
    const built: Array<{ name: string; closed: boolean }> = [];
    const managed = new ManagedLlm({
      db: db(),
      config: { ...server.context.config.llm, providers: [], aliases: {} },
      staticProviders: [],
      catalog: new ModelCatalog(new Map(), {}),
      box: new SecretBox(KEY, [OLD_KEY]),
      build: (config, timeouts) => {
        const provider = createProvider(providerConfig(config, timeouts));
        const entry = { name: config.name, closed: false };
        built.push(entry);
        const close = provider.close?.bind(provider);
        provider.close = async () => {
          entry.closed = true;
          await close?.();
        };
        return provider;
      },
    });
    await managed.load({ list: false });
    expect(built.map((b) => b.name).sort()).toEqual(['rot', 'steady']);

    await sealWithOldKey();
    const release = await lockRot();
    const reloading = managed.load({ list: false });
    let closing: Promise<void> | undefined;
    try {
      await reSealWaiting();
      closing = managed.close();
    } finally {
      await release();
    }
    await reloading;
    await closing;
    expect(built.filter((b) => !b.closed)).toEqual([]);
  });
});
