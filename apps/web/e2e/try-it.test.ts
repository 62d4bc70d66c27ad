// Browser tests of the try-it panels against the seeded demo models: iris's form and digits' canvas.

import path from 'node:path';
import { expect, it } from 'vitest';
import { describeInBrowser, modelsDir } from './support.js';

describeInBrowser('try-it panels', {}, (suite) => {
  it('predicts setosa for a typical setosa flower on the iris page', async () => {
    const { page, server } = suite;
    await page.goto(`${server.url}/models/iris`);
    const values = { sepal_length: '5.1', sepal_width: '3.5', petal_length: '1.4', petal_width: '0.2' };
    for (const [feature, value] of Object.entries(values)) {
      await page.getByLabel(feature, { exact: true }).fill(value);
    }
    await page.getByTestId('predict-button').click();

    const topLabel = page.getByTestId('top-label');
    await topLabel.waitFor();
    expect(await topLabel.textContent()).toBe('setosa');
    await page.getByTestId('probability-chart').waitFor({ state: 'visible' });
    expect(await page.locator('[data-testid="probability-chart"] svg').count()).toBeGreaterThan(0);
  });

  it('reads a drawn vertical stroke on the digits canvas as a 1', async () => {
    const { page, server } = suite;
    await page.goto(`${server.url}/models/digits`);
    const canvas = page.getByTestId('digit-canvas');
    await canvas.waitFor();
    const box = await canvas.boundingBox();
    if (!box) throw new Error('the digit canvas has no bounding box');

    const x = box.x + box.width / 2;
    await page.mouse.move(x, box.y + box.height * 0.15);
    await page.mouse.down();
    for (let step = 1; step <= 20; step += 1) {
      await page.mouse.move(x, box.y + box.height * (0.15 + (0.7 * step) / 20));
    }
    await page.mouse.up();

    await page.getByTestId('predict-button').click();
    const topLabel = page.getByTestId('top-label');
    await topLabel.waitFor();
    expect(await topLabel.textContent()).toBe('1');
    await page.getByTestId('probability-chart').waitFor({ state: 'visible' });
  });

  it('classifies an uploaded picture of a 7 on the digits page', async () => {
    const { page, server } = suite;
    await page.goto(`${server.url}/models/digits`);
    await page.getByRole('tab', { name: 'Upload image' }).click();
    await page
      .getByTestId('image-file-input')
      .setInputFiles(path.join(modelsDir, 'digits', 'samples', 'digit-7-3.png'));
    await page.getByRole('img', { name: 'The selected file' }).waitFor();
    await page.getByTestId('predict-button').click();

    const topLabel = page.getByTestId('top-label');
    await topLabel.waitFor();
    expect(await topLabel.textContent()).toBe('7');
    await page.getByTestId('probability-chart').waitFor({ state: 'visible' });
  });
});
