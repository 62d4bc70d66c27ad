/**
 * The prediction log service: sampling, batched writes, paging, retention; on PGlite and, with
 * TEST_DATABASE_URL, a PostgreSQL server.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/database.js';
import { backends } from '../test-support/registry-backends.js';
import { COPY_TARGET, copyPayload, type PredictionLogEntry, PredictionLogService } from './prediction-log.js';

const DAY = 24 * 3600 * 1000;

const entry = (model: string, createdAt: Date, label = 'a'): PredictionLogEntry => ({
  model,
  version: 1,
  requestId: `r-${createdAt.getTime()}`,
  protocol: 'predict',
  latencyMs: 1,
  features: { x: 1 },
  imageStats: null,
  output: { label, probability: 0.9 },
  label,
  createdAt,
});

describe.each(backends)('PredictionLogService on $name', (backend) => {
  let database: Database;
  let logs: PredictionLogService;
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'modelgarden-predlog-'));
    const opened = await backend.open(dir);
    database = opened.database;
    cleanup = opened.cleanup;
    logs = new PredictionLogService(database, { flushIntervalMs: 60_000 });
  });
  afterAll(async () => {
    await logs?.close();
    await cleanup?.();
    await rm(dir, { recursive: true, force: true });
  });

  it('logs nothing until a model is switched on, then samples at its rate', async () => {
    expect(logs.shouldLog('m')).toBe(false);
    await logs.setSettings('m', { enabled: true, sampleRate: 1 });
    expect(logs.shouldLog('m')).toBe(true);
    await logs.setSettings('m', { sampleRate: 0 });
    expect(Array.from({ length: 100 }, () => logs.shouldLog('m')).some(Boolean)).toBe(false);
    expect(await logs.enabledModels()).toEqual(['m']);
  });

  it('writes every field of a batch as it was recorded (one binary COPY)', async () => {
    const at = new Date('2026-11-29T10:11:12.345Z');
    const odd: PredictionLogEntry = {
      model: 'fields',
      version: 7,
      requestId: 'r-"quoted"\\-é',
      protocol: 'oip',
      latencyMs: 2.5,
      features: null,
      imageStats: { width: 224, height: 224, mean: 0.25, std: 0.125 },
      output: { value: -1.5 },
      label: null,
      createdAt: at,
    };
    logs.record(odd);
    logs.record({
      ...entry('fields', new Date(at.getTime() + 1), 'é "x"'),
      features: { 'a b': 1.25, c: -3 },
    });
    await logs.flush();
    const { items } = await logs.query({ model: 'fields' });
    expect(items).toHaveLength(2);
    expect(items[1]).toMatchObject({ ...odd, createdAt: at.toISOString() });
    expect(items[0]).toMatchObject({
      label: 'é "x"',
      features: { 'a b': 1.25, c: -3 },
      output: { label: 'é "x"' },
    });
  });

  it('deletes rows past each model retention and keeps the rest', async () => {
    const now = new Date();
    await logs.setSettings('short', { enabled: true, retentionDays: 1 });
    logs.record(entry('short', new Date(now.getTime() - 2 * DAY)));
    logs.record(entry('short', new Date(now.getTime() - 60_000)));
    logs.record(entry('default', new Date(now.getTime() - 10 * DAY))); // default retention: 30 days
    logs.record(entry('default', new Date(now.getTime() - 40 * DAY)));
    await logs.flush();
    expect(await logs.cleanup(now)).toBe(2);
    expect((await logs.query({ model: 'short' })).items).toHaveLength(1);
    expect((await logs.query({ model: 'default' })).items).toHaveLength(1);
  });

  it('drops entries instead of growing without bound when the buffer is full, and reports the count', async () => {
    let reported = 0;
    const small = new PredictionLogService(database, {
      maxBuffer: 3,
      flushIntervalMs: 60_000,
      onDrop: (n) => {
        reported += n;
      },
    });
    // The third row starts a write; while it is in flight three more fill the buffer and two drop.
    for (let i = 0; i < 8; i++) small.record(entry('buffer', new Date()));
    expect(small.dropped).toBe(2);
    await small.close();
    expect(reported).toBe(2);
    expect(small.written).toBe(6);
    expect((await logs.query({ model: 'buffer' })).items).toHaveLength(6);
  });

  it('drops an entry it cannot encode and a batch the database refuses, counted, and writes the next', async () => {
    const errors: unknown[] = [];
    const strict = new PredictionLogService(database, {
      flushIntervalMs: 60_000,
      onError: (e) => errors.push(e),
    });
    strict.record({ ...entry('refused', new Date()), version: 2 ** 31 }); // outside int4
    strict.record(entry('refused', new Date()));
    expect(strict.dropped).toBe(1);
    await strict.flush();
    expect(strict.written).toBe(1);
    // A payload PostgreSQL refuses (a truncated row) rejects, and the connection or thread still serves.
    const good = copyPayload([entry('refused', new Date())]);
    await expect(database.copyBinary(COPY_TARGET, good.subarray(0, good.length - 8))).rejects.toThrow();
    await database.copyBinary(COPY_TARGET, good);
    expect((await strict.query({ model: 'refused' })).items).toHaveLength(2);
    await strict.close();
    expect(errors).toHaveLength(1);
  });

  it('sizes its buffer from rate × lag and writes in batches of flushRows while a burst arrives', async () => {
    const burst = new PredictionLogService(database, {
      flushIntervalMs: 60_000,
      flushRows: 500,
      maxRowsPerSecond: 2_000,
      maxLagMs: 1_000,
    });
    // 2,000 rows fit (2,000/s × 1 s); the 500-row threshold starts writes while they arrive.
    for (let i = 0; i < 2_000; i++) burst.record({ ...entry('burst', new Date()), requestId: `b-${i}` });
    expect(burst.dropped).toBe(0);
    expect(burst.buffered).toBeLessThan(2_000);
    await burst.close();
    expect(burst.written).toBe(2_000);
    const counted = await database.db.execute(
      sql`select count(distinct request_id)::int as n from prediction_logs where model = 'burst'`,
    );
    expect((counted as unknown as { rows: Array<{ n: number }> }).rows[0]!.n).toBe(2_000);
  });

  it('pages newest first with a cursor and filters by label', async () => {
    for (let i = 0; i < 7; i++)
      logs.record(entry('paged', new Date(Date.now() - i * 1000), i % 2 ? 'odd' : 'even'));
    const first = await logs.query({ model: 'paged', limit: 3 });
    const second = await logs.query({ model: 'paged', limit: 3, cursor: first.nextCursor! });
    expect(first.items.map((r) => r.id)).toEqual([...first.items.map((r) => r.id)].sort((a, b) => b - a));
    expect(second.items[0]!.id).toBeLessThan(first.items[2]!.id);
    expect((await logs.query({ model: 'paged', label: 'odd' })).items).toHaveLength(3);
  });

  // After the retention test: its 1969 row would count among the expired ones there.
  it('keeps what JSON and text cannot carry as they are: NaN as null, far dates, non-ASCII, backslashes and tabs', async () => {
    const old = new Date('1969-07-20T20:17:40.123Z'); // before PostgreSQL's 2000 epoch and Unix's
    const far = new Date('2262-04-11T23:47:16.854Z');
    logs.record({
      ...entry('edge', old, 'tab\there'),
      requestId: 'r\\n\n\u00e9\u{1F600}',
      latencyMs: Number.NaN,
      features: { 'x\ty': Number.NaN, ünï: Number.POSITIVE_INFINITY, z: -0.1 },
    });
    // U+0000 and lone surrogates (which PostgreSQL text or jsonb refuse) fail no batch: U+FFFD.
    logs.record({
      ...entry('edge', far, 'nul\0'),
      requestId: 'r\0',
      latencyMs: 123456.5,
      features: { 'k\0': 1, '\ud800': 2 },
    });
    await logs.flush();
    const { items } = await logs.query({ model: 'edge' });
    expect(items.map((r) => r.createdAt)).toEqual([far.toISOString(), old.toISOString()]);
    expect(items[1]).toMatchObject({
      requestId: 'r\\n\n\u00e9\u{1F600}',
      label: 'tab\there',
      output: { label: 'tab\there', probability: 0.9 },
      features: { 'x\ty': null, ünï: null, z: -0.1 },
    });
    expect(items[1]!.latencyMs).toBeNaN();
    expect(items[0]).toMatchObject({
      requestId: 'r\ufffd',
      label: 'nul\ufffd',
      output: { label: 'nul\ufffd' },
      features: { 'k\ufffd': 1, '\ufffd': 2 },
      latencyMs: 123456.5,
    });
  });
});
