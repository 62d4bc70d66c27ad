// Browser test of /admin/llm: an admin adds a provider pointing at a fake OpenAI upstream (its real
// wire format, which refuses calls without the key), its models appear in /v1/models and answer with
// that key, an alias over it is added from the page; deleting either asks first (Cancel keeps it); and
// the key never shows up in any response the page received nor in its DOM.

import { randomBytes } from 'node:crypto';
import type { Page, Response } from 'playwright-core';
import { afterAll, expect, it } from 'vitest';
import {
  type FakeLlm,
  finish,
  say,
  startFakeOpenAI,
  turn,
} from '../../server/src/test-support/fake-llm/index.js';
import { withoutProviders } from './chat-support.js';
import {
  adminEnv,
  type BrowserSuiteOptions,
  callServer,
  createUser,
  describeInBrowser,
  signIn,
  type TestServer,
} from './support.js';

const ADA = { name: 'ada', role: 'admin', password: 'ada admin password for the llm page' } as const;
const UPSTREAM_KEY = `sk-browser-${randomBytes(16).toString('hex')}`;
let upstream: FakeLlm | undefined;

const suiteOptions = {
  env: { ...withoutProviders(adminEnv()), MODELGARDEN_SECRET_KEY: randomBytes(32).toString('base64') },
  page: 'suite',
  viewport: { width: 1500, height: 1100 },
  async setUp(server) {
    await createUser(server, ADA);
    upstream = await startFakeOpenAI({
      apiKey: UPSTREAM_KEY,
      models: [
        { id: 'gpt-browser', kind: 'chat' },
        { id: 'embed-browser', kind: 'embedding' },
      ],
    });
  },
} satisfies BrowserSuiteOptions;

afterAll(async () => {
  await upstream?.close();
});

/** Every response body the page receives, read as text (responses without one are skipped). */
function recordResponses(page: Page): { texts: Promise<string>[] } {
  const seen = { texts: [] as Promise<string>[] };
  page.on('response', (response: Response) => {
    seen.texts.push(response.text().catch(() => ''));
  });
  return seen;
}

const offered = async (server: TestServer) =>
  (await callServer<{ data: Array<{ id: string }> }>(server, '/v1/models', { admin: true })).body.data.map(
    (m) => m.id,
  );

describeInBrowser('LLM providers page', suiteOptions, (suite) => {
  let responses: { texts: Promise<string>[] };

  it('adds a provider whose models are offered at once, with a key the page never shows again', async () => {
    const { page, server } = suite;
    responses = recordResponses(page);
    await signIn(page, server, ADA.name, ADA.password);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'LLM providers' }).click();
    await page.getByRole('table', { name: 'Providers' }).getByText('No provider yet').waitFor();

    const form = page.getByRole('form', { name: 'New provider' });
    await form.getByLabel('Name').fill('local');
    await form.getByLabel('Kind').selectOption('openai-compatible');
    await form.getByLabel('Base URL').fill(upstream!.url);
    await form.getByLabel('API key').fill(UPSTREAM_KEY);
    await form.getByRole('button', { name: 'Add provider' }).click();

    const row = page.locator('[data-testid=provider-row][data-provider=local]');
    await row.getByTestId('provider-models').getByText('2').waitFor();
    expect(await row.getByTestId('provider-source').textContent()).toBe('stored');
    expect(await row.getByTestId('provider-key').textContent()).toBe('set');
    expect(await row.getByTestId('provider-status').textContent()).toBe('active');
    expect(await form.getByLabel('API key').inputValue()).toBe('');

    expect(await offered(server)).toEqual(
      expect.arrayContaining(['local/gpt-browser', 'local/embed-browser']),
    );
    upstream!.enqueue(turn(say('answered with the stored key'), finish('stop')));
    const answer = await callServer<{ choices: Array<{ message: { content: string } }> }>(
      server,
      '/v1/chat/completions',
      {
        method: 'POST',
        admin: true,
        body: { model: 'local/gpt-browser', messages: [{ role: 'user', content: 'Hi' }] },
      },
    );
    expect(answer.body.choices[0]!.message.content).toBe('answered with the stored key');
    expect(upstream!.requestsTo('chat').at(-1)!.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
  });

  it('edits the provider without showing its key, and adds an alias over its model', async () => {
    const { page, server } = suite;
    const row = page.locator('[data-testid=provider-row][data-provider=local]');
    await row.getByRole('button', { name: 'Edit local' }).click();
    const edit = page.getByRole('form', { name: 'Edit provider local' });
    expect(await edit.getByLabel('API key').inputValue()).toBe('');
    await edit.getByLabel('Models (optional)').fill('gpt-browser-pinned');
    await edit.getByRole('button', { name: 'Save provider' }).click();
    await edit.waitFor({ state: 'detached' });
    expect(await offered(server)).toContain('local/gpt-browser-pinned');

    const alias = page.getByRole('form', { name: 'New alias' });
    await alias.getByLabel('Alias name').fill('team-chat');
    await alias.getByLabel('Deployment 1 model').fill('local/gpt-browser');
    await alias.getByLabel('Weight').fill('2');
    await alias.getByRole('button', { name: 'Add alias' }).click();
    const aliasRow = page.locator('[data-testid=alias-row][data-alias=team-chat]');
    await aliasRow.getByText('local/gpt-browser ×2').waitFor();
    expect(await offered(server)).toContain('team-chat');

    await alias.getByLabel('Alias name').fill('broken');
    await alias.getByLabel('Deployment 1 model').fill('local/no-such-model');
    await alias.getByRole('button', { name: 'Add alias' }).click();
    await alias.getByTestId('error-code').getByText('INVALID_DEPLOYMENT').waitFor();
  });

  it('asks before it deletes an alias or a provider, and Cancel keeps them', async () => {
    const { page, server } = suite;
    const aliasRow = page.locator('[data-testid=alias-row][data-alias=team-chat]');
    await aliasRow.getByRole('button', { name: 'Delete team-chat' }).click();
    const askAlias = aliasRow.getByRole('alertdialog', { name: 'Delete team-chat?' });
    await askAlias.getByText('Callers that name it get 404').waitFor();
    await askAlias.getByRole('button', { name: 'Cancel' }).click();
    await askAlias.waitFor({ state: 'detached' });
    expect(await offered(server)).toContain('team-chat');

    await aliasRow.getByRole('button', { name: 'Delete team-chat' }).click();
    await askAlias.getByRole('button', { name: 'Delete for good' }).click();
    await aliasRow.waitFor({ state: 'detached' });
    expect(await offered(server)).not.toContain('team-chat');

    const row = page.locator('[data-testid=provider-row][data-provider=local]');
    await row.getByRole('button', { name: 'Delete local' }).click();
    const askProvider = row.getByRole('alertdialog', { name: 'Delete local?' });
    await askProvider.getByText('Its models stop being offered at once').waitFor();
    // Asking deletes nothing.
    expect(await offered(server)).toContain('local/gpt-browser');
    await askProvider.getByRole('button', { name: 'Delete for good' }).click();
    await row.waitFor({ state: 'detached' });
    await page.getByRole('table', { name: 'Providers' }).getByText('No provider yet').waitFor();
    expect(await offered(server)).not.toContain('local/gpt-browser');
  });

  it('never received the key in a response, nor holds it in the DOM', async () => {
    const { page } = suite;
    const texts = await Promise.all(responses.texts);
    expect(texts.length).toBeGreaterThan(5);
    expect(texts.some((t) => t.includes('"hasApiKey":true'))).toBe(true);
    expect(texts.filter((t) => t.includes(UPSTREAM_KEY))).toEqual([]);
    expect(await page.content()).not.toContain(UPSTREAM_KEY);
    const values = await page
      .locator('input')
      .evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value));
    expect(values).not.toContain(UPSTREAM_KEY);
  });
});
