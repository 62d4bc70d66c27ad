/** The prediction log service on an embedded database: sampling, batched writes, paging, retention. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../db/database.js';
import { type PredictionLogEntry, PredictionLogService } from './prediction-log.js';

let database: Database;
let logs: PredictionLogService;
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

beforeAll(async () => {
  database = await openDatabase({ dataDir: '', inMemory: true });
  logs = new PredictionLogService(database.db, { flushIntervalMs: 60_000 });
});
afterAll(async () => {
  await logs.close();
  await database.close();
});

describe('PredictionLogService', () => {
  it('logs nothing until a model is switched on, then samples at its rate', async () => {
    expect(logs.shouldLog('m')).toBe(false);
    await logs.setSettings('m', { enabled: true, sampleRate: 1 });
    expect(logs.shouldLog('m')).toBe(true);
    await logs.setSettings('m', { sampleRate: 0 });
    expect(Array.from({ length: 100 }, () => logs.shouldLog('m')).some(Boolean)).toBe(false);
    expect(await logs.enabledModels()).toEqual(['m']);
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

  it('drops entries instead of growing without bound when the buffer is full', async () => {
    let dropped = 0;
    const small = new PredictionLogService(database.db, {
      maxBuffer: 3,
      flushIntervalMs: 60_000,
      onDrop: () => dropped++,
    });
    for (let i = 0; i < 5; i++) small.record(entry('buffer', new Date()));
    expect(dropped).toBe(2);
    await small.close();
    expect((await logs.query({ model: 'buffer' })).items).toHaveLength(3);
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
});
