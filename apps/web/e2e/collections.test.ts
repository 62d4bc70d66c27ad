// Browser tests of the knowledge-base pages: a member creates a team-private collection, adds a
// markdown file with the picker and a text file by drag and drop, watches them become ready, searches
// and sees the question's words marked; a hostile file shows the server's error; markup inside a
// document stays text; another team cannot see the collection; the seeded docs collection shows its
// evaluation figures; documents and collections are deleted after a confirmation.

import { expect, it } from 'vitest';
import { adminEnv, callServer, describeInBrowser, signIn, type TestServer } from './support.js';

const PASSWORD = 'collections-e2e-password';
const COLLECTION = 'red-garden';

const FERNS = `# Ferns

Water the ferns weekly and keep them out of direct sun.

## Repotting

Repot ferns in spring, when new fronds appear.
`;

const TULIPS = 'Tulips flower in April. Plant the bulbs in autumn, a hand deep.\n';

/** A document whose text holds markup that must never become elements. */
const MARKUP = `# Hostile markup

The orchid note says <img src="x" onerror="window.__injected = true"> and <b>bold</b> and
<script>window.__injected = true</script> for the orchids.
`;

async function createUsers(server: TestServer): Promise<void> {
  for (const [name, team, role] of [
    ['alice', 'red', 'member'],
    ['bob', 'blue', 'member'],
    ['carol', 'red', 'viewer'],
  ] as const) {
    const { status, body } = await callServer(server, '/api/users', {
      method: 'POST',
      admin: true,
      body: { name, role, team, password: PASSWORD },
    });
    if (status !== 201) throw new Error(`creating ${name} answered ${status}: ${JSON.stringify(body)}`);
  }
}

/**
 * Waits until the seeded docs collection is ingested: the start-up ingestion holds the embedded
 * database, and a test that signs in meanwhile would be timed against it.
 */
async function docsIngested(server: TestServer): Promise<void> {
  const deadline = Date.now() + 100_000;
  for (;;) {
    const { status, body } = await callServer<{ documents: Array<{ status: string }> }>(
      server,
      '/api/collections/docs/documents',
      { admin: true },
    );
    if (status === 200 && body.documents.length > 0 && body.documents.every((d) => d.status !== 'processing'))
      return;
    if (Date.now() > deadline) throw new Error(`the docs collection is still being ingested (${status})`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function setUp(server: TestServer): Promise<void> {
  await createUsers(server);
  await docsIngested(server);
}

describeInBrowser('knowledge bases', { env: adminEnv(), setUp }, (suite) => {
  const documentRow = (name: string) =>
    suite.page.locator(`[data-testid="document-row"][data-document="${name}"]`);
  const waitReady = (name: string) =>
    documentRow(name).getByTestId('document-status').getByText('ready', { exact: true }).waitFor();

  it('creates a team collection, uploads a markdown and a text file, and finds a passage with its words marked', async () => {
    const { page, server } = suite;
    await signIn(page, server, 'alice', PASSWORD);
    await page.getByRole('link', { name: 'Knowledge' }).click();
    await page.getByRole('heading', { name: 'Knowledge bases', level: 1 }).waitFor();
    await page.getByLabel('Collection name').fill(COLLECTION);
    await page.getByLabel('Visibility').selectOption('team');
    await page.getByRole('button', { name: 'Create collection' }).click();

    await page.waitForURL(`${server.url}/collections/${COLLECTION}`);
    await page.getByTestId('collection-visibility').getByText('team red').waitFor();
    await page.getByTestId('documents-empty').waitFor();

    // The markdown file through the picker…
    await page.getByTestId('document-file-input').setInputFiles({
      name: 'ferns.md',
      mimeType: 'text/markdown',
      buffer: Buffer.from(FERNS),
    });
    // …and the text file dropped onto the zone.
    await page.getByTestId('document-drop-zone').evaluate((zone, text) => {
      const data = new DataTransfer();
      data.items.add(new File([text], 'tulips.txt', { type: 'text/plain' }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    }, TULIPS);

    await waitReady('ferns.md');
    await waitReady('tulips.txt');
    expect(
      Number(await documentRow('ferns.md').getByTestId('document-chunks').textContent()),
    ).toBeGreaterThan(0);
    const { body: listed } = await callServer<{ collections: Array<{ name: string; documents: number }> }>(
      server,
      '/api/collections',
      { admin: true },
    );
    expect(listed.collections.find((c) => c.name === COLLECTION)?.documents).toBe(2);

    await page.getByLabel('Question').fill('how often should I water my ferns?');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const first = page.getByTestId('search-result').first();
    await first.waitFor();
    expect(await first.getByTestId('result-document').textContent()).toBe('ferns.md');
    expect(await first.getByTestId('result-chunk').textContent()).toMatch(/^\d+$/);
    expect(await first.getByTestId('result-score').textContent()).toMatch(/^score \d+\.\d{3}$/);
    const marked = await first.getByTestId('result-text').locator('mark').allTextContents();
    expect(marked.map((m) => m.toLowerCase())).toEqual(expect.arrayContaining(['water', 'ferns']));
    // Stopwords ("how", "should", "my") are not marked; the passage's text is whole.
    expect(marked.map((m) => m.toLowerCase())).not.toContain('my');
    expect(await first.getByTestId('result-text').textContent()).toContain(
      'Water the ferns weekly and keep them out of direct sun.',
    );
  });

  it("shows each upload's progress while it is sent", async () => {
    const { page, server } = suite;
    await signIn(page, server, 'alice', PASSWORD);
    // Throttle uploads to ~4 KB/s so the 12 KB file takes a few seconds to send.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 4096,
    });
    await page.goto(`${server.url}/collections/${COLLECTION}`);
    await page.getByTestId('documents-table').waitFor();
    const big = `# Moss\n\n${'Moss likes shade and damp stones. '.repeat(360)}\n`;
    await page.getByTestId('document-file-input').setInputFiles({
      name: 'moss.md',
      mimeType: 'text/markdown',
      buffer: Buffer.from(big),
    });
    const upload = page.locator('[data-testid="document-upload"][data-file="moss.md"]');
    await upload
      .getByTestId('document-upload-state')
      .getByText(/^Sending/)
      .waitFor();
    const bar = upload.getByRole('progressbar', { name: 'Upload progress of moss.md' });
    // Read the bar while it is sent: it only moves up, and stops at 100 %.
    const seen: number[] = [];
    while ((await upload.getByTestId('document-upload-state').textContent())?.startsWith('Sending')) {
      seen.push(Number(await bar.getAttribute('aria-valuenow')));
      await page.waitForTimeout(50);
    }
    // (Chromium hands the whole body over at once and reports 100 % early; throttling delays the answer.)
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((p) => p >= 0 && p <= 100)).toBe(true);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    await upload.getByTestId('document-upload-state').getByText('Sent; ingesting').waitFor();
    expect(await bar.getAttribute('aria-valuenow')).toBe('100');
    await waitReady('moss.md');
  });

  it("shows the server's error for a binary file named .txt and for a type it does not take", async () => {
    const { page, server } = suite;
    await signIn(page, server, 'alice', PASSWORD);
    await page.goto(`${server.url}/collections/${COLLECTION}`);
    await page.getByTestId('documents-table').waitFor();

    const binary = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(64, 0), Buffer.from('This program')]);
    const form = new FormData();
    form.append('file', new Blob([binary]), 'notes.txt');
    const direct = await callServer<{ error: { code: string; message: string } }>(
      server,
      `/api/collections/${COLLECTION}/documents`,
      { method: 'POST', body: form, admin: true },
    );
    expect(direct.status).toBe(422);

    await page.getByTestId('document-file-input').setInputFiles([
      { name: 'notes.txt', mimeType: 'text/plain', buffer: binary },
      { name: 'setup.exe', mimeType: 'application/octet-stream', buffer: binary },
    ]);
    const refused = page.locator('[data-testid="document-upload"][data-file="notes.txt"]').getByRole('alert');
    await refused.waitFor();
    expect(await refused.getByTestId('error-message').textContent()).toBe(direct.body.error.message);
    expect(await refused.getByTestId('error-code').textContent()).toBe('INVALID_DOCUMENT · HTTP 422');
    const wrongType = page
      .locator('[data-testid="document-upload"][data-file="setup.exe"]')
      .getByRole('alert');
    await wrongType.waitFor();
    expect(await wrongType.getByTestId('error-code').textContent()).toBe('UNSUPPORTED_MEDIA_TYPE · HTTP 415');
    expect(await wrongType.getByTestId('error-message').textContent()).toContain('.txt, .md, .html or .pdf');
    // Neither became a document.
    expect(await documentRow('notes.txt').count()).toBe(0);
    expect(await documentRow('setup.exe').count()).toBe(0);
  });

  it("renders markup inside a document's text as text", async () => {
    const { page, server } = suite;
    await signIn(page, server, 'alice', PASSWORD);
    await page.goto(`${server.url}/collections/${COLLECTION}`);
    await page.getByTestId('document-file-input').setInputFiles({
      name: 'orchids.md',
      mimeType: 'text/markdown',
      buffer: Buffer.from(MARKUP),
    });
    await waitReady('orchids.md');

    await page.getByLabel('Question').fill('orchid note');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const result = page.locator('[data-testid="search-result"][data-document="orchids.md"]');
    await result.waitFor();
    const text = result.getByTestId('result-text');
    expect(await text.textContent()).toContain('<img src="x" onerror="window.__injected = true">');
    expect(await text.textContent()).toContain('<script>window.__injected = true</script>');
    expect(await result.locator('img, script, b').count()).toBe(0);
    expect(await page.evaluate(() => (window as { __injected?: boolean }).__injected)).toBeUndefined();
  });

  it('hides the team-private collection from another team', async () => {
    const { page, server } = suite;
    await signIn(page, server, 'bob', PASSWORD);
    await page.goto(`${server.url}/collections`);
    await page.locator('[data-testid="collection-row"][data-collection="docs"]').waitFor();
    // The public docs collection is listed, but bob may not delete it.
    expect(await page.getByRole('button', { name: 'Delete docs' }).count()).toBe(0);
    expect(
      await page.locator(`[data-testid="collection-row"][data-collection="${COLLECTION}"]`).count(),
    ).toBe(0);

    await page.goto(`${server.url}/collections/${COLLECTION}`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.getByTestId('error-code').textContent()).toContain('COLLECTION_NOT_FOUND');
    expect(await page.getByText('ferns.md').count()).toBe(0);
  });

  it('lets a viewer of the team read the collection but offers nothing to change', async () => {
    const { page, server } = suite;
    await signIn(page, server, 'carol', PASSWORD);
    await page.goto(`${server.url}/collections`);
    await page.locator(`[data-testid="collection-row"][data-collection="${COLLECTION}"]`).waitFor();
    expect(await page.getByRole('form', { name: 'New collection' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: `Delete ${COLLECTION}` }).count()).toBe(0);
    await page.getByRole('link', { name: COLLECTION }).click();
    await waitReady('ferns.md');
    expect(await page.getByTestId('document-drop-zone').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Delete ferns.md' }).count()).toBe(0);
  });

  it("shows the docs collection's evaluation figures, as the server measures them", async () => {
    const { page, server } = suite;
    await signIn(page, server, 'bob', PASSWORD);
    await page.goto(`${server.url}/collections/docs`);
    // bob may read the public demo collection but not change it: no upload zone.
    await page.getByTestId('documents-table').waitFor();
    expect(await page.getByTestId('document-drop-zone').count()).toBe(0);

    const fts = page.locator('[data-testid="evaluation-row"][data-method="fts"]');
    // Measured on the first request: a moment on a loaded machine.
    await fts.waitFor({ timeout: 60_000 });
    const { body } = await callServer<{
      status: string;
      questionSet: string;
      evaluation: {
        questions: number;
        methods: Array<{ method: string; recallAt1: number; recallAt5: number; mrr: number }>;
      };
    }>(server, '/api/collections/docs/evaluation', { admin: true });
    expect(body.status).toBe('ready');
    expect(body.evaluation.questions).toBeGreaterThan(5);
    const shown = await page
      .getByTestId('evaluation-row')
      .evaluateAll((rows) =>
        rows.map((row) => [
          row.getAttribute('data-method'),
          ...['recall-at-1', 'recall-at-5', 'mrr'].map(
            (id) => row.querySelector(`[data-testid="${id}"]`)?.textContent ?? '',
          ),
        ]),
      );
    expect(shown).toEqual(
      body.evaluation.methods.map((m) => [
        m.method,
        m.recallAt1.toFixed(3),
        m.recallAt5.toFixed(3),
        m.mrr.toFixed(3),
      ]),
    );
    expect(shown.map(([method]) => method)).toEqual(expect.arrayContaining(['fts', 'bm25']));
    expect(await page.getByTestId('evaluation-card').textContent()).toContain(body.questionSet);
  }, 120_000);

  it('deletes a document and then the collection, each after a confirmation', async () => {
    const { page, server } = suite;
    await signIn(page, server, 'alice', PASSWORD);
    await page.goto(`${server.url}/collections/${COLLECTION}`);
    await waitReady('tulips.txt');
    await page.getByRole('button', { name: 'Delete tulips.txt' }).click();
    await page
      .getByRole('alertdialog', { name: 'Delete tulips.txt?' })
      .getByRole('button', { name: 'Delete for good' })
      .click();
    await documentRow('tulips.txt').waitFor({ state: 'detached' });
    await documentRow('ferns.md').waitFor();

    await page.goto(`${server.url}/collections`);
    await page.getByRole('button', { name: `Delete ${COLLECTION}` }).click();
    const dialog = page.getByRole('alertdialog', { name: `Delete ${COLLECTION}?` });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(
      await page.locator(`[data-testid="collection-row"][data-collection="${COLLECTION}"]`).count(),
    ).toBe(1);
    await page.getByRole('button', { name: `Delete ${COLLECTION}` }).click();
    await dialog.getByRole('button', { name: 'Delete for good' }).click();
    await page
      .locator(`[data-testid="collection-row"][data-collection="${COLLECTION}"]`)
      .waitFor({ state: 'detached' });
    const gone = await callServer(server, `/api/collections/${COLLECTION}`, { admin: true });
    expect(gone.status).toBe(404);
  });
});
