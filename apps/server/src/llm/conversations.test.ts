/**
 * The conversation store on every backend (PGlite, and the PostgreSQL server with
 * TEST_DATABASE_URL): owners, order under concurrent appends, titles, and cascades.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../db/auth-schema.js';
import type { Database } from '../db/database.js';
import { backends } from '../test-support/registry-backends.js';
import { ConversationStore, DEFAULT_TITLE, titleFrom } from './conversations.js';

describe('titleFrom', () => {
  it("takes the first line of a message's text, cut to 60 characters", () => {
    expect(titleFrom('  Hello there\nsecond line')).toBe('Hello there');
    expect(titleFrom([{ type: 'image_url', image_url: { url: 'data:,' } }])).toBeNull();
    expect(titleFrom('x'.repeat(100))).toBe(`${'x'.repeat(59)}…`);
  });
});

for (const backend of backends) {
  describe(`ConversationStore (${backend.name})`, () => {
    let dir: string;
    let database: Database;
    let cleanup: () => Promise<void>;
    let store: ConversationStore;
    let ann: number;
    let ben: number;

    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'mg-conversations-'));
      ({ database, cleanup } = await backend.open(dir));
      store = new ConversationStore(database.db);
      const rows = await database.db
        .insert(users)
        .values([
          { name: 'ann', passwordHash: 'x', role: 'member' },
          { name: 'ben', passwordHash: 'x', role: 'member' },
        ])
        .returning({ id: users.id });
      ann = rows[0]!.id;
      ben = rows[1]!.id;
    }, 60_000);
    afterAll(async () => {
      await cleanup?.();
      await rm(dir, { recursive: true, force: true });
    });

    it('keeps the order of messages appended concurrently, each call in one piece', async () => {
      const c = await store.create(ann);
      expect(c.title).toBe(DEFAULT_TITLE);
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          store.append(ann, c.id, [
            { role: 'user', content: `q${i}` },
            { role: 'assistant', content: `a${i}` },
          ]),
        ),
      );
      const read = await store.get(ann, c.id);
      expect(read.messageCount).toBe(20);
      // Each call's two messages are adjacent: question, then its answer.
      for (let i = 0; i < 20; i += 2) {
        const q = read.messages[i]!.content as string;
        expect(read.messages[i + 1]!.content).toBe(q.replace('q', 'a'));
      }
      // The first question to arrive named it; later ones did not rename it.
      expect(read.title).toBe(read.messages[0]!.content);
    });

    it("lists only the owner's, most recently changed first; others' are not found", async () => {
      const older = await store.create(ben, { title: 'older' });
      const newer = await store.create(ben, { title: 'newer' });
      await store.append(ben, older.id, [{ role: 'user', content: 'bump' }]);
      expect((await store.list(ben)).map((c) => c.title)).toEqual(['older', 'newer']);
      await expect(store.get(ann, newer.id)).rejects.toMatchObject({ code: 'CONVERSATION_NOT_FOUND' });
      await expect(store.update(ann, newer.id, { title: 'x' })).rejects.toMatchObject({
        code: 'CONVERSATION_NOT_FOUND',
      });
      await expect(store.remove(ann, newer.id)).rejects.toMatchObject({ code: 'CONVERSATION_NOT_FOUND' });
      expect((await store.get(ben, newer.id)).title).toBe('newer');
    });

    it('keeps tools, collections and message extras', async () => {
      const c = await store.create(ann, { tools: ['iris'], collections: ['docs'] });
      const extras = {
        toolCalls: [{ id: 'c1', name: 'iris', model: 'iris', arguments: '{}', result: { label: 'setosa' } }],
        citations: [
          {
            marker: 1,
            collection: 'docs',
            documentId: 'd1',
            documentName: 'a.md',
            chunkIndex: 0,
            text: 'passage',
            score: 1.5,
          },
        ],
      };
      await store.append(ann, c.id, [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'a [1]', extras },
      ]);
      await store.update(ann, c.id, { collections: ['docs', 'handbook'] });
      const read = await store.get(ann, c.id);
      expect(read).toMatchObject({ tools: ['iris'], collections: ['docs', 'handbook'] });
      expect(read.messages.map((m) => m.extras)).toEqual([null, extras]);
    });

    it('deleting a user deletes their conversations and messages', async () => {
      const [temp] = await database.db
        .insert(users)
        .values({ name: 'temp', passwordHash: 'x', role: 'member' })
        .returning({ id: users.id });
      const c = await store.create(temp!.id);
      await store.append(temp!.id, c.id, [{ role: 'user', content: 'bye' }]);
      await database.db.delete(users).where(eq(users.id, temp!.id));
      await expect(store.get(temp!.id, c.id)).rejects.toMatchObject({ code: 'CONVERSATION_NOT_FOUND' });
      expect(await store.list(temp!.id)).toEqual([]);
    });
  });
}
