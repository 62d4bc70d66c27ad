// Browser tests of the observability pages: live metrics after a burst of predictions, the drift
// report and the prediction log for iris (which logs every prediction on the demo set-up).

import { expect, it } from 'vitest';
import { describeInBrowser } from './support.js';

const SETOSA = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };

describeInBrowser('observability pages', {}, (suite) => {
  /** A burst of predictions over real HTTP while the page is open. */
  async function burst(count: number) {
    await Promise.all(
      Array.from({ length: count }, () =>
        fetch(`${suite.server.url}/api/models/iris/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ inputs: SETOSA }),
        }).then((r) => expect(r.status).toBe(200)),
      ),
    );
  }

  it('shows non-zero throughput on the metrics page after a burst, without a reload', async () => {
    const { page, server } = suite;
    await page.goto(`${server.url}/monitoring`);
    await page.getByTestId('metrics-page').waitFor();
    const stop = Date.now() + 8000;
    // Keep traffic flowing across a couple of sampling intervals; the page polls on its own.
    while (Date.now() < stop) {
      await burst(20);
      const text = await page
        .getByTestId('http-throughput')
        .textContent()
        .catch(() => '0');
      if (Number(text) > 0) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    await expect
      .poll(async () => Number(await page.getByTestId('http-throughput').textContent()), { timeout: 10_000 })
      .toBeGreaterThan(0);
    expect(await page.getByTestId('chart-throughput').count()).toBeGreaterThan(0);
  });

  it('renders the drift report for iris with a histogram per feature', async () => {
    const { page, server } = suite;
    await burst(30);
    await page.goto(`${server.url}/models/iris/drift`);
    await page.getByTestId('drift-summary').waitFor();
    for (const feature of ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']) {
      await page.getByTestId(`drift-feature-${feature}`).waitFor();
    }
    expect(await page.getByTestId('drifted-share').textContent()).toMatch(/%$/);
    await page.getByTestId('label-distribution').waitFor();
  });

  it('lists logged predictions and filters them by label', async () => {
    const { page, server } = suite;
    await burst(5);
    await page.goto(`${server.url}/models/iris/predictions`);
    await page.getByTestId('predictions-table').waitFor();
    expect(await page.locator('[data-testid=predictions-table] tbody tr').count()).toBeGreaterThan(0);
    await page.getByTestId('filter-label').fill('virginica');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('No logged predictions match.').waitFor();
    expect(await page.getByTestId('export-csv').getAttribute('href')).toContain('label=virginica');
  });

  it('shows a clear error for a model without a reference dataset', async () => {
    const { page, server } = suite;
    await page.goto(`${server.url}/models/digits/drift`);
    await page.getByTestId('error-alert').waitFor();
    expect(await page.getByTestId('error-code').textContent()).toContain('REFERENCE_NOT_FOUND');
  });
});
