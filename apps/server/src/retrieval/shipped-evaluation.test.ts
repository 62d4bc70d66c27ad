/**
 * The collection page's figures: none without a question set, none while a document is still being
 * ingested, measured once ingested and measured again when the documents change; a hidden
 * collection is COLLECTION_NOT_FOUND here too.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Principal } from '../auth/principal.js';
import { type Database, openDatabase } from '../db/database.js';
import { RetrievalService } from './retrieval-service.js';
import { parseQuestions, ShippedEvaluations } from './shipped-evaluation.js';

const admin: Principal = { kind: 'bootstrap', scopes: ['admin'] };
const outsider: Principal = {
  kind: 'user',
  userId: 7,
  name: 'blue',
  role: 'member',
  team: 'blue',
  scopes: ['models:read'],
  via: 'key',
};
const bytes = (s: string) => new TextEncoder().encode(s);

let dir: string;
let database: Database;
let retrieval: RetrievalService;
let evaluations: ShippedEvaluations;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mg-shipped-eval-'));
  database = await openDatabase({ dataDir: path.join(dir, 'db') });
  retrieval = new RetrievalService(database.db, { maxDocumentBytes: 1_000_000 });
  const file = path.join(dir, 'questions.jsonl');
  await writeFile(
    file,
    [
      '{"question":"how do I water the ferns","expected":["ferns","weekly"]}',
      '',
      '{"question":"when do tulips flower","expected":["tulips","April"]}',
    ].join('\n'),
  );
  evaluations = new ShippedEvaluations(
    retrieval,
    new Map([
      ['garden', { file, label: 'questions.jsonl' }],
      ['private-garden', { file, label: 'questions.jsonl' }],
      ['lost', { file: path.join(dir, 'missing.jsonl'), label: 'missing.jsonl' }],
    ]),
  );
});

afterAll(async () => {
  await retrieval.close();
  await database.close();
  await rm(dir, { recursive: true, force: true });
});

it('measures the shipped questions once every document is ingested, and again when they change', async () => {
  await retrieval.create(admin, { name: 'garden' });
  // Held still, so the document is still processing when the figures are asked for.
  await retrieval.worker.stop();
  await retrieval.upload(admin, 'garden', 'ferns.md', bytes('# Ferns\n\nWater the ferns weekly.\n'));
  expect(await evaluations.get(admin, 'garden')).toEqual({
    status: 'ingesting',
    questionSet: 'questions.jsonl',
    measuredAt: null,
    evaluation: null,
  });

  await retrieval.worker.start(false);
  await retrieval.worker.drain();
  const first = await evaluations.get(admin, 'garden');
  expect(first).toMatchObject({ status: 'ready', questionSet: 'questions.jsonl' });
  expect(first.evaluation?.questions).toBe(2);
  const fts = first.evaluation?.methods.find((m) => m.method === 'fts');
  // The tulips question has no passage yet: half of the questions are found.
  expect(fts).toMatchObject({ recallAt1: 0.5, recallAt5: 0.5 });
  expect(first.evaluation?.methods.map((m) => m.method)).toContain('bm25');
  // Unchanged documents: the same measurement.
  expect((await evaluations.get(admin, 'garden')).measuredAt).toBe(first.measuredAt);

  await retrieval.upload(admin, 'garden', 'tulips.md', bytes('# Tulips\n\nTulips flower in April.\n'));
  await retrieval.worker.drain();
  const second = await evaluations.get(admin, 'garden');
  expect(second.evaluation?.methods.find((m) => m.method === 'fts')).toMatchObject({ recallAt5: 1 });
});

it('has no figures for a collection without a question set, or whose file is missing', async () => {
  await retrieval.create(admin, { name: 'notes' });
  await retrieval.create(admin, { name: 'lost' });
  const none = { status: 'unavailable', questionSet: null, measuredAt: null, evaluation: null };
  expect(await evaluations.get(admin, 'notes')).toEqual(none);
  expect(await evaluations.get(admin, 'lost')).toEqual(none);
});

it('answers COLLECTION_NOT_FOUND for a collection the caller may not see, as for a missing one', async () => {
  await retrieval.create(admin, { name: 'private-garden', visibility: 'team', team: 'red' });
  await expect(evaluations.get(outsider, 'private-garden')).rejects.toMatchObject({
    code: 'COLLECTION_NOT_FOUND',
  });
  await expect(evaluations.get(outsider, 'no-such-garden')).rejects.toMatchObject({
    code: 'COLLECTION_NOT_FOUND',
  });
});

it('refuses a question set line that is not a question', () => {
  expect(() => parseQuestions('{"question":"x"}')).toThrow();
  expect(parseQuestions('\n{"question":"q","expected":["a"]}\n')).toEqual([
    { question: 'q', expected: ['a'] },
  ]);
});
