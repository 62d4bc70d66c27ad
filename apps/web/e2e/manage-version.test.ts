// Browser tests of managing a version: archive, restore and delete (with the server's 409
// VERSION_IN_USE for a version production uses), editing its metadata, and its serving config with the
// defaults in effect; each checked against what the server then holds.

import type { Locator } from 'playwright-core';
import { expect, it } from 'vitest';
import { type BrowserSuiteOptions, callServer, describeInBrowser, pushIrisVersion } from './support.js';

interface Version {
  version: number;
  archived: boolean;
  description: string | null;
  labels: string[] | null;
  tags: Record<string, string>;
}

interface ServingView {
  servingConfig: Record<string, unknown>;
  effective: Record<string, number | string>;
  tuning?: { decisions: Array<{ setting: string; source: string; reason: string }> } | null;
}

/** The hint the page should show for a setting, from what the server says: set, tuned, or default. */
function inEffect(view: ServingView, key: string): string {
  const how =
    view.servingConfig[key] !== undefined
      ? ''
      : view.tuning?.decisions.find((d) => d.setting === key)?.source === 'tuned'
        ? ' (tuned)'
        : ' (default)';
  return `In effect: ${view.effective[key]}${how}`;
}

const suiteOptions = {
  page: 'suite',
  viewport: { width: 1280, height: 1200 },
  /** iris v2, used by no alias. */
  setUp: async (server) => void (await pushIrisVersion(server)),
} satisfies BrowserSuiteOptions;

describeInBrowser('managing a version', suiteOptions, (suite) => {
  const version = (n: number) => callServer<Version>(suite.server, `/api/models/iris/versions/${n}`);
  const manage = (): Locator => suite.page.getByTestId('manage-version');

  it('refuses to delete or archive the production version with VERSION_IN_USE', async () => {
    const { page, server } = suite;
    await page.goto(`${server.url}/models/iris`);
    await manage().getByRole('heading', { name: 'Manage v1' }).waitFor();
    // What the server answers, to compare with what the page shows.
    const direct = await callServer<{ error: { code: string; message: string } }>(
      server,
      '/api/models/iris/versions/1',
      { method: 'DELETE' },
    );
    expect(direct.status).toBe(409);

    await manage().getByRole('button', { name: 'Delete v1' }).click();
    await manage().getByRole('button', { name: 'Delete v1 for good' }).click();
    const alert = manage().getByRole('alert');
    await alert.getByText('Could not delete v1: an alias uses it').waitFor();
    expect(await alert.getByTestId('error-code').textContent()).toBe('VERSION_IN_USE · HTTP 409');
    expect(await alert.getByTestId('error-message').textContent()).toBe(direct.body.error.message);
    expect(await manage().getByTestId('version-in-use-hint').textContent()).toContain('production');
    expect((await version(1)).status).toBe(200);

    await manage().getByRole('button', { name: 'Archive v1' }).click();
    await alert.getByText('Could not archive v1: an alias uses it').waitFor();
    expect(await alert.getByTestId('error-code').textContent()).toBe('VERSION_IN_USE · HTTP 409');
    expect((await version(1)).body.archived).toBe(false);
  });

  it('archives, restores and deletes a version no alias uses', async () => {
    const { page } = suite;
    await page.getByTestId('versions-table').getByRole('button', { name: 'View v2' }).click();
    await manage().getByRole('heading', { name: 'Manage v2' }).waitFor();

    await manage().getByRole('button', { name: 'Archive v2' }).click();
    await manage().getByText('v2 archived.').waitFor();
    expect((await version(2)).body.archived).toBe(true);
    await page.getByTestId('versions-table').getByText('archived').waitFor();

    await manage().getByRole('button', { name: 'Restore v2' }).click();
    await manage().getByText('v2 restored.').waitFor();
    expect((await version(2)).body.archived).toBe(false);

    await manage().getByRole('button', { name: 'Delete v2' }).click();
    await manage().getByRole('button', { name: 'Delete v2 for good' }).click();
    await manage().getByText('v2 deleted.').waitFor();
    expect((await version(2)).status).toBe(404);
    await page.getByTestId('versions-table').getByText('v2', { exact: true }).waitFor({ state: 'detached' });
    await manage().getByRole('heading', { name: 'Manage v1' }).waitFor();
  });

  it("edits v1's description, labels and tags", async () => {
    const form = manage().getByRole('form', { name: 'Metadata of v1' });
    await form.getByLabel('Description').fill('Iris, edited in the browser');
    await form.getByLabel('Labels').fill('Setosa, Versicolor, Virginica');
    await form.getByLabel('Tags').fill('owner=botany, stage=demo');
    await form.getByRole('button', { name: 'Save metadata' }).click();
    await form.getByText('Metadata of v1 saved.').waitFor();
    expect((await version(1)).body).toMatchObject({
      description: 'Iris, edited in the browser',
      labels: ['Setosa', 'Versicolor', 'Virginica'],
      tags: { owner: 'botany', stage: 'demo' },
    });
    // The try-it panel predicts with the new labels.
    await suite.page.getByTestId('labels').getByText('Versicolor').waitFor();
  });

  it('shows the serving defaults in effect and changes the serving config', async () => {
    const { server } = suite;
    const path = '/api/models/iris/versions/1/serving-config';
    const before = (await callServer<ServingView>(server, path)).body;
    const form = manage().getByRole('form', { name: 'Serving config of v1' });
    const effective = (key: string) => form.getByTestId(`effective-${key}`).textContent();
    for (const key of ['maxBatchSize', 'timeoutMs', 'instances', 'executor']) {
      expect(await effective(key)).toBe(inEffect(before, key));
    }
    expect(await effective('timeoutMs')).toBe(`In effect: ${before.effective.timeoutMs} (default)`);
    // The engine's reasons for what it tuned are shown beside the form.
    for (const decision of before.tuning?.decisions ?? []) {
      expect(await form.getByTestId(`tuning-${decision.setting}`).textContent()).toContain(decision.reason);
    }

    await form.getByLabel('Max batch size').fill('8');
    await form.getByLabel('Timeout (ms)').fill('5000');
    await form.getByRole('button', { name: 'Save serving config' }).click();
    await form.getByText('Serving config of v1 applied.').waitFor();
    const after = (await callServer<ServingView>(server, path)).body;
    expect(after.servingConfig).toEqual({ ...before.servingConfig, maxBatchSize: 8, timeoutMs: 5000 });
    expect(after.effective).toMatchObject({ maxBatchSize: 8, timeoutMs: 5000 });
    expect(await effective('maxBatchSize')).toBe('In effect: 8');

    // An emptied field goes back to the engine's own choice.
    await form.getByLabel('Max batch size').fill('');
    await form.getByRole('button', { name: 'Save serving config' }).click();
    await expect
      .poll(async () => (await callServer<ServingView>(server, path)).body.servingConfig.maxBatchSize)
      .toBeUndefined();
    const cleared = (await callServer<ServingView>(server, path)).body;
    await expect.poll(() => effective('maxBatchSize')).toBe(inEffect(cleared, 'maxBatchSize'));
    expect(await effective('maxBatchSize')).not.toBe('In effect: 8');

    // A value the server refuses shows its error.
    await form.getByLabel('Instances').fill('0');
    await form.getByRole('button', { name: 'Save serving config' }).click();
    await form.getByRole('alert').getByText('Could not change the serving config').waitFor();
    expect((await callServer<ServingView>(server, path)).body.servingConfig.instances).toBeUndefined();
  });
});
