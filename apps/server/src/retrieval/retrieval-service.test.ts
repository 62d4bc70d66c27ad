import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../auth/principal.js';
import { users } from '../db/auth-schema.js';
import type { Database } from '../db/database.js';
import { backends } from '../test-support/registry-backends.js';
import { RetrievalService } from './retrieval-service.js';

const admin: Principal = { kind: 'bootstrap', scopes: ['admin'] };
const member = (name: string, team: string | null, userId = 100): Principal => ({
  kind: 'user',
  userId,
  name,
  role: 'member',
  team,
  scopes: ['models:write', 'models:read'],
  via: 'key',
});
const bytes = (s: string) => new TextEncoder().encode(s);

const GUIDE = `# Installing

Run \`npm install\` and then \`npm start\`. The server listens on port 8080.

## Upload limits

Uploads larger than the limit set with --max-upload-mb are refused with a 413 answer.

# Backups

Copy the data directory while the server is stopped; the embedded database lives in DATA_DIR/pg.
`;

describe.each(backends)('retrieval on $name', (backend) => {
  let dir: string;
  let database: Database;
  let cleanup: () => Promise<void>;
  let retrieval: RetrievalService;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mg-retrieval-'));
    ({ database, cleanup } = await backend.open(dir));
    retrieval = new RetrievalService(database.db, { maxDocumentBytes: 1_000_000 });
    await database.db
      .insert(users)
      .values([101, 102, 103].map((id) => ({ id, name: `user${id}`, passwordHash: 'x', role: 'member' })));
  });
  afterAll(async () => {
    await retrieval.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('ingests a markdown file into heading-aware chunks and finds a passage from a question', async () => {
    await retrieval.create(admin, { name: 'guide' });
    const up = await retrieval.upload(admin, 'guide', 'guide.md', bytes(GUIDE));
    expect(up).toMatchObject({ status: 'processing', duplicate: false });
    await retrieval.worker.drain();
    const doc = await retrieval.getDocument(admin, 'guide', up.id);
    expect(doc).toMatchObject({ status: 'ready', chunks: 3, error: null, mediaType: 'text/markdown' });

    const found = await retrieval.search(admin, 'guide', 'how do I back up my data?', 3);
    expect(found.mode).toBe('fts');
    expect(found.results[0]).toMatchObject({ documentName: 'guide.md', heading: 'guide.md › Backups' });
    const [backups] = (await retrieval.search(admin, 'guide', 'backups', 1)).results;
    const { heading, headingHighlights } = backups!;
    expect(headingHighlights.map(([start, end]) => heading.slice(start, end))).toEqual(['Backups']);
    // a flag name as the user types it
    const flag = await retrieval.search(admin, 'guide', 'what does --max-upload-mb do', 3);
    expect(flag.results[0]?.text).toContain('--max-upload-mb');
    // an AND of every word would match nothing here
    const many = await retrieval.search(admin, 'guide', 'which port does the server listen on by default', 3);
    expect(many.results[0]?.text).toContain('8080');
  });

  it("marks the words PostgreSQL matched, by its english stemmer, and nothing of a passage's markup", async () => {
    await retrieval.create(admin, { name: 'marks' });
    const text =
      'Ingestion of the <b>uploads</b> is logged as tokensPerDay in apps/server; naïve 🎉 readers ingest it.';
    await retrieval.upload(admin, 'marks', 'marks.txt', bytes(text));
    await retrieval.worker.drain();
    const marked = async (query: string) => {
      const [hit] = (await retrieval.search(admin, 'marks', query, 1)).results;
      expect(hit?.text).toBe(text);
      for (const [start, end] of hit!.highlights) {
        expect(0 <= start && start < end && end <= hit!.text.length).toBe(true);
      }
      return hit!.highlights.map(([start, end]) => hit!.text.slice(start, end));
    };
    // "ingesting", "ingestion" and "ingest" are all the lexeme 'ingest'; "the" and "of" are stop words
    expect(await marked('ingesting of the uploads')).toEqual(['Ingestion', 'uploads', 'ingest']);
    // the words inside a code-like token (search-text.ts), and the whole token by its own name
    expect(await marked('tokens per day')).toEqual(['tokens', 'Per', 'Day']);
    expect(await marked('tokensPerDay server')).toEqual(['tokensPerDay', 'server']);
    // offsets count UTF-16 code units, past an astral character
    expect(await marked('reader naive naïve')).toEqual(['naïve', 'readers']);
    // the markup stays text and is not a hit; a word that is not in the passage marks nothing
    expect(await marked('b logged')).toEqual(['logged']);
    // chat asks for none: not computed
    const [plain] = (await retrieval.search(admin, 'marks', 'uploads', 1, { highlights: false })).results;
    expect(plain).toMatchObject({ text, highlights: [], headingHighlights: [] });
  });

  it('keeps the same bytes once per collection and deletes a document with its chunks', async () => {
    const again = await retrieval.upload(admin, 'guide', 'copy-of-guide.md', bytes(GUIDE));
    expect(again.duplicate).toBe(true);
    expect((await retrieval.listDocuments(admin, 'guide')).length).toBe(1);
    await retrieval.deleteDocument(admin, 'guide', again.id);
    expect((await retrieval.search(admin, 'guide', 'backups', 3)).results).toEqual([]);
    await expect(retrieval.getDocument(admin, 'guide', again.id)).rejects.toMatchObject({
      code: 'DOCUMENT_NOT_FOUND',
    });
  });

  it('hides a team-private collection from another team exactly as a missing one', async () => {
    const alice = member('alice', 'red', 101);
    const bob = member('bob', 'blue', 102);
    await retrieval.create(alice, { name: 'red-notes', visibility: 'team' });
    await retrieval.upload(alice, 'red-notes', 'n.txt', bytes('The launch code is tangerine.'));
    await retrieval.worker.drain();
    expect(
      (await retrieval.search(member('carol', 'red', 103), 'red-notes', 'launch code', 1)).results,
    ).toHaveLength(1);
    const hidden = await retrieval.search(bob, 'red-notes', 'launch code').catch((e: unknown) => e);
    const missing = await retrieval.search(bob, 'no-such-notes', 'launch code').catch((e: unknown) => e);
    expect(hidden).toMatchObject({ code: 'COLLECTION_NOT_FOUND' });
    expect(missing).toMatchObject({ code: 'COLLECTION_NOT_FOUND' });
    expect((await retrieval.collections.list(bob)).map((c) => c.name)).not.toContain('red-notes');
    expect((await retrieval.collections.list(alice)).map((c) => c.name)).toContain('red-notes');
  });
});
