// Browser tests of an alias's traffic: a shadow, a 50/50 canary split whose live share counts what
// each version really served, promoting the canary and ending a split, checked against the server.

import { expect, it } from 'vitest';
import { type BrowserSuiteOptions, callServer, describeInBrowser, pushIrisVersion } from './support.js';

const SETOSA = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };

interface Route {
  version: number;
  targets: Array<{ version: number; weight: number }>;
  shadow: { version: number; percent: number } | null;
}

const suiteOptions = {
  page: 'suite',
  viewport: { width: 1280, height: 1200 },
  /** iris v2: the canary. */
  setUp: async (server) => void (await pushIrisVersion(server)),
} satisfies BrowserSuiteOptions;

describeInBrowser('traffic split and shadow', suiteOptions, (suite) => {
  /** The production alias as the server holds it. */
  const route = async () => {
    const { body } = await callServer<{ aliases: Array<Route & { alias: string }> }>(
      suite.server,
      '/api/models/iris/aliases',
    );
    const found = body.aliases.find((a) => a.alias === 'production');
    if (!found) throw new Error('iris has no production alias');
    return found;
  };

  /** Sends `count` predictions to iris's default endpoint; the versions that answered, counted. */
  async function predict(count: number): Promise<Record<number, number>> {
    const served: Record<number, number> = {};
    for (let i = 0; i < count; i += 1) {
      const res = await callServer(suite.server, '/api/models/iris/predict', {
        method: 'POST',
        body: { inputs: SETOSA },
      });
      expect(res.status).toBe(200);
      const version = Number(res.headers.get('x-model-version'));
      served[version] = (served[version] ?? 0) + 1;
    }
    return served;
  }

  it('copies production traffic to a shadow version, then removes the shadow', async () => {
    const { page, server } = suite;
    await page.goto(`${server.url}/models/iris`);
    const traffic = page.getByTestId('traffic');
    await traffic.getByLabel('Shadow version').selectOption('2');
    await traffic.getByLabel('Shadow percent').fill('100');
    await traffic.getByRole('button', { name: 'Save traffic' }).click();
    await traffic.getByText('copies 100% to v2').waitFor();
    expect(await route()).toMatchObject({
      version: 1,
      targets: [{ version: 1 }],
      shadow: { version: 2, percent: 100 },
    });

    // Shadow copies run after each reply; the page counts what v2 received.
    await traffic.getByTestId('live-since').getByText('(0 requests)').waitFor();
    const served = await predict(5);
    expect(served).toEqual({ 1: 5 });
    await expect
      .poll(() => traffic.getByTestId('shadow-copies').textContent(), { timeout: 15_000 })
      .toBe('5 copies');

    await traffic.getByRole('button', { name: 'Remove shadow' }).click();
    await traffic.getByRole('button', { name: 'Save traffic' }).click();
    await traffic.getByTestId('shadow-row').waitFor({ state: 'detached' });
    await expect.poll(async () => (await route()).shadow).toBeNull();
  });

  it('splits production 50/50 and shows the share each version really served', async () => {
    const { page } = suite;
    const traffic = page.getByTestId('traffic');
    await traffic.getByLabel('Add a version to the split').selectOption('2');
    await traffic.getByRole('button', { name: 'Add to split' }).click();
    await traffic.getByLabel('Weight of v1').fill('50');
    await traffic.getByLabel('Weight of v2').fill('50');
    expect(await traffic.getByTestId('share-v2').textContent()).toBe('50%');
    await traffic.getByRole('button', { name: 'Save traffic' }).click();
    await traffic.getByText('production now sends 50% to v1, 50% to v2.').waitFor();
    expect(await route()).toMatchObject({
      targets: [
        { version: 1, weight: 50 },
        { version: 2, weight: 50 },
      ],
      shadow: null,
    });

    await traffic.getByTestId('live-since').getByText('(0 requests)').waitFor();
    const served = await predict(40);
    // Each version gets some of 40 requests at 50/50 unless chance is 2 in 2^40.
    expect(Object.keys(served).sort()).toEqual(['1', '2']);
    const share = (v: number) => `${Math.round(((served[v] ?? 0) / 40) * 1000) / 10}% (${served[v]})`;
    await expect
      .poll(() => traffic.getByTestId('live-share-v1').textContent(), { timeout: 15_000 })
      .toBe(share(1));
    expect(await traffic.getByTestId('live-share-v2').textContent()).toBe(share(2));
  });

  it('promotes the canary, then splits again and ends the split', async () => {
    const { page } = suite;
    const traffic = page.getByTestId('traffic');
    await traffic.getByRole('button', { name: 'Promote v2' }).click();
    await traffic.getByText('production now sends 100% to v2.').waitFor();
    expect(await route()).toMatchObject({ version: 2, targets: [{ version: 2, weight: 100 }] });
    expect(await predict(3)).toEqual({ 2: 3 });

    await traffic.getByLabel('Add a version to the split').selectOption('1');
    await traffic.getByRole('button', { name: 'Add to split' }).click();
    await traffic.getByLabel('Weight of v1').fill('10');
    await traffic.getByLabel('Weight of v2').fill('90');
    await traffic.getByRole('button', { name: 'Save traffic' }).click();
    await traffic.getByText('production now sends 90% to v2, 10% to v1.').waitFor();
    expect((await route()).targets).toHaveLength(2);

    await traffic.getByRole('button', { name: 'End split (all to v2)' }).click();
    await traffic.getByText('production now sends 100% to v2.').waitFor();
    expect(await route()).toMatchObject({ version: 2, targets: [{ version: 2, weight: 100 }], shadow: null });
  });
});
