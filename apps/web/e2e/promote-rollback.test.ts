// Browser test of the registry lifecycle: upload a second iris version, promote it, roll back, all
// through the web app, and check the server agrees at each step.

import path from 'node:path';
import { expect, it } from 'vitest';
import { describeInBrowser, modelsDir } from './support.js';

const suiteOptions = { page: 'suite', viewport: { width: 1280, height: 1000 } } as const;

describeInBrowser('promote and roll back', suiteOptions, (suite) => {
  const production = async () =>
    (
      (await (await fetch(`${suite.server.url}/api/models/iris`)).json()) as {
        aliases: { production: number };
      }
    ).aliases.production;

  it('uploads iris v2, promotes it, then rolls back to v1', async () => {
    const { page, server } = suite;
    await page.goto(`${server.url}/models/iris`);
    await page.getByTestId('upload-version-link').click();
    await page.getByTestId('model-file-input').setInputFiles(path.join(modelsDir, 'iris', 'iris.onnx'));
    await page.getByTestId('upload-submit').click();
    await page.waitForURL(`${server.url}/models/iris`);
    await page.getByTestId('versions-table').getByText('v2', { exact: true }).waitFor();

    await page.getByTestId('promote-button').click();
    await page.getByTestId('promote-confirm').click();
    await page.getByText('production now points to v2.').waitFor();
    expect(await production()).toBe(2);

    const rollbackButton = page.getByTestId('rollback-button');
    await page.getByText('Roll back production to v1').waitFor();
    await rollbackButton.click();
    await page.getByTestId('rollback-confirm').click();
    await page.getByTestId('alias-history-row').first().getByText('rollback').waitFor();
    expect(await production()).toBe(1);
    const rows = await page.getByTestId('alias-history-row').allTextContents();
    expect(rows).toHaveLength(3);
  });
});
