/**
 * The knowledge-base routes over a real server: each file type ingested and searchable, hostile
 * files refused with their 4xx code, documents listed and deleted with their chunks, and a
 * team-private collection answering 404 to another team exactly like a missing one — on PGlite and,
 * with TEST_DATABASE_URL, on a PostgreSQL server.
 */
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { serverDatabases } from '../../test-support/server-databases.js';
import { multipart, startTestServer, type TestServer } from '../../test-support/test-server.js';
import { pdfBomb, tinyPdf } from '../../test-support/tiny-pdf.js';

const ADMIN_KEY = 'bootstrap-admin-key-for-collections-tests-012345';
const PASSWORD = 'a long enough password';

describe.each(serverDatabases)('knowledge bases on $name', (database) => {
  let server: TestServer;
  let drop: () => Promise<void>;
  const keys: Record<string, string> = {};
  const as = (who: string, opts: InjectOptions) =>
    server.app.inject({
      ...opts,
      headers: { authorization: `Bearer ${who === 'root' ? ADMIN_KEY : keys[who]}`, ...opts.headers },
    });
  const upload = (who: string, collection: string, filename: string, data: Buffer | string) =>
    as(who, {
      method: 'POST',
      url: `/api/collections/${collection}/documents`,
      ...multipart([{ name: 'file', filename, data }]),
    });
  const settled = async (collection: string, id: string) => {
    let doc: { status: string } = { status: 'processing' };
    await vi.waitFor(
      async () => {
        doc = (await as('root', { url: `/api/collections/${collection}/documents/${id}` })).json();
        expect(doc.status).not.toBe('processing');
      },
      { timeout: 60_000, interval: 100 },
    );
    return doc;
  };
  const search = async (who: string, collection: string, query: string, k = 3) =>
    as(who, { method: 'POST', url: `/api/collections/${collection}/search`, payload: { query, k } });

  beforeAll(async () => {
    const opened = await database.open();
    drop = opened.close;
    server = await startTestServer({
      seedDemoModels: false,
      env: {
        ...opened.env,
        MODELGARDEN_ADMIN_KEY: ADMIN_KEY,
        ANONYMOUS_LOOPBACK_WRITES: 'false',
        MAX_UPLOAD_MB: '1',
      },
    });
    for (const [name, team] of [
      ['alice', 'red'],
      ['bob', 'blue'],
    ] as const) {
      expect(
        (
          await as('root', {
            method: 'POST',
            url: '/api/users',
            payload: { name, role: 'member', team, password: PASSWORD },
          })
        ).statusCode,
      ).toBe(201);
      const key = await as('root', {
        method: 'POST',
        url: '/api/keys',
        payload: { name: 'main', scopes: ['models:write'], user: name },
      });
      keys[name] = key.json().key;
    }
    const created = await as('alice', {
      method: 'POST',
      url: '/api/collections',
      payload: { name: 'handbook' },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({
      name: 'handbook',
      owner: 'alice',
      visibility: 'public',
      team: 'red',
    });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await drop?.();
  });

  it.each([
    [
      'notes.txt',
      'Parking permits are renewed every March at the front desk.',
      'when do I renew my parking permit',
      'March',
    ],
    [
      'guide.md',
      '# Holidays\n\n## Carry-over\n\nUnused vacation days carry over until the end of June.',
      'can I keep vacation days I did not use',
      'June',
    ],
    [
      'page.html',
      '<html><head><script>var x = "ignored";</script></head><body><nav>Home | About</nav><h1>Expenses</h1><p>Receipts over <b>50 euros</b> need a manager signature.</p></body></html>',
      'who signs off large receipts',
      'manager signature',
    ],
    [
      'scan.pdf',
      tinyPdf(['Security badges', 'Lost badges are replaced by reception within two days.']),
      'replacing a lost badge',
      'two days',
    ],
  ])('ingests %s and finds its passage from a question', async (filename, data, question, expected) => {
    const res = await upload('alice', 'handbook', filename, data);
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ status: 'processing' });
    expect(await settled('handbook', res.json().id)).toMatchObject({ status: 'ready', error: null });
    const found = await search('bob', 'handbook', question);
    expect(found.statusCode, found.body).toBe(200);
    expect(found.json().results[0]).toMatchObject({
      documentId: res.json().id,
      documentName: filename,
      chunkIndex: 0,
    });
    expect(found.json().results[0].text).toContain(expected);
    expect(found.json().results[0].text).not.toContain('ignored');
  });

  it('answers the same file twice with the first document (200), lists and deletes it with its chunks', async () => {
    const text = 'The cafeteria closes at 15:30 on Fridays.';
    const first = await upload('alice', 'handbook', 'cafe.txt', text);
    const again = await upload('alice', 'handbook', 'cafe-copy.txt', text);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ id: first.json().id, duplicate: true });
    await settled('handbook', first.json().id);
    const list = (await as('bob', { url: '/api/collections/handbook/documents' })).json().documents;
    expect(list.filter((d: { name: string }) => d.name.startsWith('cafe'))).toHaveLength(1);
    expect((await search('bob', 'handbook', 'cafeteria fridays')).json().results[0].text).toContain('15:30');
    expect(
      (await as('bob', { method: 'DELETE', url: `/api/collections/handbook/documents/${first.json().id}` }))
        .statusCode,
    ).toBe(403);
    const del = await as('alice', {
      method: 'DELETE',
      url: `/api/collections/handbook/documents/${first.json().id}`,
    });
    expect(del.statusCode, del.body).toBe(204);
    const after = (await search('bob', 'handbook', 'cafeteria fridays')).json().results;
    expect(after.map((r: { text: string }) => r.text).join()).not.toContain('15:30');
    expect(
      (await as('root', { url: `/api/collections/handbook/documents/${first.json().id}` })).json().error.code,
    ).toBe('DOCUMENT_NOT_FOUND');
  });

  it.each([
    ['a huge single line', 'huge.txt', 'x'.repeat(200_000), 422, 'INVALID_DOCUMENT'],
    [
      'binary junk named .txt',
      'junk.txt',
      Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe, 0x00, 0x10]),
      422,
      'INVALID_DOCUMENT',
    ],
    [
      'a zip named .txt',
      'archive.txt',
      Buffer.from('PK\u0003\u0004rest-of-zip', 'latin1'),
      422,
      'INVALID_DOCUMENT',
    ],
    [
      'latin-1 bytes that are not UTF-8',
      'old.txt',
      Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x6f, 0x6b]),
      422,
      'INVALID_DOCUMENT',
    ],
    [
      'a PDF that does not parse',
      'broken.pdf',
      Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage'),
      422,
      'INVALID_DOCUMENT',
    ],
    ['text named .pdf', 'fake.pdf', 'just text', 422, 'INVALID_DOCUMENT'],
    ['a wrong type', 'tool.exe', 'MZ....', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['a part without a file name (a field, not a file)', '', 'hello', 400, 'MISSING_FILE'],
    ['an empty file', 'empty.txt', '', 422, 'INVALID_DOCUMENT'],
    [
      'a file over MAX_UPLOAD_MB',
      'big.txt',
      `${'word '.repeat(50)}\n`.repeat(5000),
      413,
      'PAYLOAD_TOO_LARGE',
    ],
  ])('refuses %s', async (_what, filename, data, status, code) => {
    const res = await upload('alice', 'handbook', filename, data);
    expect(res.statusCode, res.body).toBe(status);
    expect(res.json().error.code).toBe(code);
  });

  it('refuses a zip bomb inside a pdf with 422 before it is inflated', async () => {
    const res = await upload('alice', 'handbook', 'bomb.pdf', await pdfBomb(300));
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().error).toMatchObject({
      code: 'INVALID_DOCUMENT',
      message: '"bomb.pdf" inflates to more than 256 MB (a compression bomb?)',
    });
  }, 60_000);

  it('refuses an upload without a file and bodies that are not multipart', async () => {
    const none = await as('alice', {
      method: 'POST',
      url: '/api/collections/handbook/documents',
      ...multipart([{ name: 'other', data: 'x' }]),
    });
    expect(none.json().error.code).toBe('MISSING_FILE');
    const json = await as('alice', {
      method: 'POST',
      url: '/api/collections/handbook/documents',
      payload: {},
    });
    expect(json.statusCode).toBe(415);
  });

  it('hides a team-private collection from another team: 404 like a missing one, and not listed', async () => {
    const made = await as('alice', {
      method: 'POST',
      url: '/api/collections',
      payload: { name: 'red-plans', visibility: 'team' },
    });
    expect(made.statusCode, made.body).toBe(201);
    const up = await upload('alice', 'red-plans', 'plan.md', '# Plan\n\nThe offsite is in Lisbon.');
    await settled('red-plans', up.json().id);
    expect((await search('alice', 'red-plans', 'where is the offsite')).json().results).toHaveLength(1);
    for (const [url, method] of [
      ['/api/collections/red-plans', 'GET'],
      ['/api/collections/red-plans/documents', 'GET'],
      [`/api/collections/red-plans/documents/${up.json().id}`, 'GET'],
    ] as const) {
      const hidden = await as('bob', { url, method });
      const missing = await as('bob', { url: url.replace('red-plans', 'no-plans'), method });
      expect(hidden.statusCode).toBe(404);
      expect(hidden.json().error.code).toBe('COLLECTION_NOT_FOUND');
      expect(hidden.body.replaceAll('red-plans', 'X')).toBe(missing.body.replaceAll('no-plans', 'X'));
    }
    const searched = await search('bob', 'red-plans', 'offsite');
    expect(searched.statusCode).toBe(404);
    const uploaded = await upload('bob', 'red-plans', 'sneaky.txt', 'hello');
    expect(uploaded.statusCode).toBe(404);
    const names = (await as('bob', { url: '/api/collections' }))
      .json()
      .collections.map((c: { name: string }) => c.name);
    expect(names).toContain('handbook');
    expect(names).not.toContain('red-plans');
  });

  it('refuses a taken name and an invalid one', async () => {
    const taken = await as('bob', { method: 'POST', url: '/api/collections', payload: { name: 'handbook' } });
    expect(taken.json().error.code).toBe('COLLECTION_EXISTS');
    const bad = await as('bob', { method: 'POST', url: '/api/collections', payload: { name: 'Bad Name' } });
    expect(bad.json().error.code).toBe('INVALID_COLLECTION_NAME');
  });
});
