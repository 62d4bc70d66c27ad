// Browser tests of the catalog: search by name or description, filter by task and by tag, sort; the
// cards shown are the models the server answers for the same query, in the chosen order.

import { expect, it } from 'vitest';
import { type BrowserSuiteOptions, callServer, describeInBrowser, pushIrisVersion } from './support.js';

const MODELS = [
  {
    name: 'fraud-score',
    description: 'Scores card payments for fraud',
    tags: { team: 'risk', stage: 'prod' },
  },
  { name: 'churn', description: 'Who may leave next month', tags: { team: 'growth' } },
  { name: 'aardvark', description: 'An empty model, first by name', tags: { team: 'risk' } },
];

const suiteOptions = {
  page: 'suite',
  async setUp(server) {
    for (const model of MODELS) {
      const { status } = await callServer(server, '/api/models', { method: 'POST', body: model });
      if (status !== 201) throw new Error(`creating ${model.name} answered ${status}`);
    }
    await pushIrisVersion(server); // iris now has the most versions
  },
} satisfies BrowserSuiteOptions;

describeInBrowser('catalog search, filters and sort', suiteOptions, (suite) => {
  const shown = () =>
    suite.page
      .getByRole('list', { name: 'Models' })
      .getByTestId('model-card')
      .evaluateAll((cards) => cards.map((c) => c.getAttribute('data-model')));
  /** The names the server lists for a query, sorted by name. */
  const listed = async (query: string) =>
    (await callServer<{ models: Array<{ name: string }> }>(suite.server, `/api/models?${query}`)).body.models
      .map((m) => m.name)
      .sort();

  it('searches, filters by task and tag, and clears back to every model', async () => {
    const { page, server } = suite;
    await page.goto(server.url);
    const search = page.getByRole('search', { name: 'Find models' });
    await expect.poll(shown).toEqual(await listed(''));
    expect(await shown()).toEqual(['aardvark', 'churn', 'digits', 'fraud-score', 'iris']);

    await search.getByLabel('Search').fill('payments');
    await expect.poll(shown).toEqual(['fraud-score']);
    expect(await listed('q=payments')).toEqual(['fraud-score']);
    expect(new URL(page.url()).searchParams.get('q')).toBe('payments');

    await search.getByLabel('Search').fill('');
    await search.getByLabel('Tag').fill('team:risk');
    await expect.poll(shown).toEqual(await listed('tag=team:risk'));
    expect(await shown()).toEqual(['aardvark', 'fraud-score']);

    await search.getByLabel('Tag').fill('');
    await search.getByLabel('Task').selectOption({ label: 'Image classification' });
    await expect.poll(shown).toEqual(['digits']);
    expect(await listed('task=image-classification')).toEqual(['digits']);

    await search.getByLabel('Search').fill('no model is called this');
    await page.getByTestId('no-match').waitFor();
    await search.getByLabel('Search').fill('');
    await search.getByLabel('Task').selectOption({ label: 'Any task' });
    await expect.poll(shown).toHaveLength(5);
  });

  it('sorts by most versions and keeps the view in the URL across a reload', async () => {
    const { page } = suite;
    const search = page.getByRole('search', { name: 'Find models' });
    await search.getByLabel('Sort by').selectOption({ label: 'Most versions' });
    await expect.poll(async () => (await shown())[0]).toBe('iris');
    await search.getByLabel('Tag').fill('team');
    await expect.poll(shown).toEqual(['aardvark', 'churn', 'fraud-score']);
    await page.reload();
    await expect.poll(shown).toEqual(['aardvark', 'churn', 'fraud-score']);
    expect(await page.getByRole('search').getByLabel('Sort by').inputValue()).toBe('versions');
    expect(await page.getByRole('search').getByLabel('Tag').inputValue()).toBe('team');
  });
});
