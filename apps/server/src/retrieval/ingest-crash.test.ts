/**
 * A crash mid-ingestion, on the real process: the worker (test-support/ingest-child.ts) is SIGKILLed
 * while the document's transaction holds its first inserted chunks; after a restart no chunk of the
 * processing document is visible, and the job resumes to a whole document — or, once it has been
 * interrupted more often than it may be tried, fails with the reason. On PGlite and the server.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { eq, sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../auth/principal.js';
import { type Database, openDatabase } from '../db/database.js';
import { chunks } from '../db/retrieval-schema.js';
import { createScratchDatabase } from '../test-support/server-databases.js';
import { RetrievalService } from './retrieval-service.js';

const CHILD = path.resolve(import.meta.dirname, '..', 'test-support', 'ingest-child.ts');
const admin: Principal = { kind: 'bootstrap', scopes: ['admin'] };
const LEASE_MS = 1500;
const CRASH_COLLECTION = 'crash';

interface Target {
  name: string;
  /** Environment for the child and how the test reopens the same database. */
  make(): Promise<{ env: Record<string, string>; open(): Promise<Database>; drop(): Promise<void> }>;
}

const targets: Target[] = [
  {
    name: 'PGlite',
    async make() {
      const dir = await mkdtemp(path.join(tmpdir(), 'mg-ingest-crash-'));
      return {
        env: { DATA_DIR: dir, DATABASE_URL: '' },
        open: () => openDatabase({ dataDir: dir }),
        drop: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
];
const serverUrl = process.env.TEST_DATABASE_URL;
if (serverUrl)
  targets.push({
    name: 'PostgreSQL server',
    async make() {
      const scratch = await createScratchDatabase(serverUrl, 'modelgarden_crash');
      return {
        env: { DATABASE_URL: scratch.url },
        open: () => openDatabase({ url: scratch.url, dataDir: '' }),
        drop: scratch.drop,
      };
    },
  });

interface Progress {
  documentId: string;
  written: number;
  total: number;
}

/** Runs the child until it reports its first batch written inside the open transaction, then SIGKILLs it. */
async function crashMidDocument(env: Record<string, string>): Promise<Progress> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: { ...process.env, LEASE_MS: String(LEASE_MS), COLLECTION: CRASH_COLLECTION, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  const progress = await new Promise<Progress>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const parsed = JSON.parse(line) as { progress?: Progress };
      if (parsed.progress) resolve(parsed.progress);
    });
    child.on('exit', (code) => reject(new Error(`the ingestion child exited early with ${code}`)));
  });
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  return progress;
}

describe.each(targets)('ingestion killed mid-document on $name', (target) => {
  let cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c();
    cleanup = [];
  });

  async function restart(made: Awaited<ReturnType<Target['make']>>, maxAttempts: number) {
    const database = await made.open();
    const retrieval = new RetrievalService(database.db, {
      maxDocumentBytes: 50_000_000,
      ingest: { leaseMs: LEASE_MS, maxAttempts },
    });
    cleanup.push(async () => {
      await retrieval.close();
      await database.close();
    });
    return { database, retrieval };
  }

  /** After the crash, before any worker runs again: the document is processing and has no chunk. */
  async function expectNothingVisible(database: Database, retrieval: RetrievalService, id: string) {
    expect((await retrieval.getDocument(admin, CRASH_COLLECTION, id)).status).toBe('processing');
    const [row] = await database.db
      .select({ n: sql<number>`count(*)::int` })
      .from(chunks)
      .where(eq(chunks.documentId, id));
    expect(row?.n).toBe(0);
    expect((await retrieval.search(admin, CRASH_COLLECTION, 'ingestion0x1 paragraph', 5)).results).toEqual(
      [],
    );
  }

  /** Runs the worker as a restarted server does, once the dead worker's lease may be taken. */
  async function resume(database: Database, retrieval: RetrievalService) {
    await retrieval.start(database.kind === 'pglite');
    if (database.kind === 'postgres') await new Promise((r) => setTimeout(r, LEASE_MS + 200));
    await retrieval.worker.drain();
  }

  it('resumes the job on restart and ends with the whole document', async () => {
    const made = await target.make();
    cleanup.push(made.drop);
    const progress = await crashMidDocument(made.env);
    expect(progress.written).toBeLessThan(progress.total);

    const { database, retrieval } = await restart(made, 3);
    await expectNothingVisible(database, retrieval, progress.documentId);
    await resume(database, retrieval);

    const doc = await retrieval.getDocument(admin, CRASH_COLLECTION, progress.documentId);
    expect(doc).toMatchObject({ status: 'ready', chunks: progress.total, error: null });
    const indexes = await database.db
      .select({ i: chunks.chunkIndex })
      .from(chunks)
      .where(eq(chunks.documentId, progress.documentId))
      .orderBy(chunks.chunkIndex);
    expect(indexes.map((r) => r.i)).toEqual([...Array(progress.total).keys()]);
    const found = await retrieval.search(admin, CRASH_COLLECTION, 'ingestion7x3', 1);
    expect(found.results[0]?.text).toContain('ingestion7x3');
  }, 120_000);

  it('fails the job with the reason once it was interrupted more often than it may be tried', async () => {
    const made = await target.make();
    cleanup.push(made.drop);
    const progress = await crashMidDocument({ ...made.env, MAX_ATTEMPTS: '1' });

    const { database, retrieval } = await restart(made, 1);
    await expectNothingVisible(database, retrieval, progress.documentId);
    await resume(database, retrieval);

    const doc = await retrieval.getDocument(admin, CRASH_COLLECTION, progress.documentId);
    expect(doc.status).toBe('failed');
    expect(doc.error).toBe('ingestion was interrupted 1 times (the process stopped mid-document)');
    expect(doc.chunks).toBe(0);
    const [row] = await database.db.select({ n: sql<number>`count(*)::int` }).from(chunks);
    expect(row?.n).toBe(0);
  }, 120_000);
});
