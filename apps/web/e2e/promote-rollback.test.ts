// Browser test of the registry lifecycle: upload a second iris version, promote it, roll back, all
// through the web app, and check the server agrees at each step.

import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchBrowser,
  modelsDir,
  noChromium,
  startTestServer,
  suiteTitle,
  type TestServer,
} from './support.js';

describe.skipIf(noChromium)(suiteTitle('promote and roll back'), { timeout: 60_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const production = async () =>
    ((await (await fetch(`${server.url}/api/models/iris`)).json()) as { aliases: { production: number } })
      .aliases.production;

  it('uploads iris v2, promotes it, then rolls back to v1', async () => {
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
