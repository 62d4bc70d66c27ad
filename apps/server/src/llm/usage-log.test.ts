/** The usage log writes every field of a row (one JSON-array insert per batch) and sums them by group. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Database, openDatabase } from '../db/database.js';
import { type UsageEntry, UsageLog } from './usage-log.js';

let dir: string;
let database: Database;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mg-usage-'));
  database = await openDatabase({ dataDir: dir, inMemory: true });
}, 60_000);
afterAll(async () => {
  await database?.close();
  await rm(dir, { recursive: true, force: true });
});

it('reads back every field it wrote, and totals by model', async () => {
  const log = new UsageLog(database.db, { flushIntervalMs: 60_000 });
  const entry: UsageEntry = {
    at: new Date('2026-12-03T10:00:00.123Z'),
    requestId: 'req-1',
    keyId: 7,
    userId: 3,
    subject: 'key:7',
    endpoint: 'chat',
    model: 'chat-default',
    provider: 'openai',
    deployment: 'openai/gpt-4o-mini',
    stream: true,
    promptTokens: 12,
    completionTokens: 34,
    tokensEstimated: true,
    timeToFirstTokenMs: 210.5,
    durationMs: 1234.5,
    status: 'aborted',
    errorCode: 'CANCELLED',
    httpStatus: 499,
    attempts: 2,
    fallbacks: 1,
    prompt: [{ role: 'user', content: 'hi "there"' }],
    answer: { content: 'hello', toolCalls: [] },
  };
  log.record(entry);
  log.record({ ...entry, model: 'other', status: 'ok', errorCode: null, prompt: null, answer: null });
  await log.flush();
  const [, first] = await log.recent(2);
  const { id, ...row } = first!;
  expect(id).toBeGreaterThan(0);
  expect(row).toEqual(entry);
  const totals = await log.totals('model', new Date('2026-01-01'));
  expect(totals).toEqual(
    expect.arrayContaining([
      { group: 'chat-default', requests: 1, promptTokens: 12, completionTokens: 34, errors: 1 },
      { group: 'other', requests: 1, promptTokens: 12, completionTokens: 34, errors: 0 },
    ]),
  );
  await log.close();
});
