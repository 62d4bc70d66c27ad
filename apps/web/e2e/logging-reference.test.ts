// Browser tests of a model's observability settings: prediction logging on and off with its sample
// rate, and uploading a drift reference CSV for a version (a bad one shows the server's error).

import { expect, it } from 'vitest';
import { callServer, describeInBrowser } from './support.js';

interface Settings {
  enabled: boolean;
  sampleRate: number;
}

interface Reference {
  source: string;
  rows: number;
  features: string[];
}

const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

/** A reference CSV of `rows` rows with the feature columns and a label. */
function referenceCsv(rows: number): string {
  const lines = [[...FEATURES, 'label'].join(',')];
  for (let i = 0; i < rows; i += 1) lines.push(`${5 + (i % 10) / 10},3.1,${1 + (i % 5) / 2},0.4,setosa`);
  return `${lines.join('\n')}\n`;
}

describeInBrowser('logging and drift reference', {}, (suite) => {
  const settings = async () =>
    (await callServer<Settings>(suite.server, '/api/models/digits/prediction-logging')).body;
  const reference = () => callServer<Reference>(suite.server, '/api/models/iris/versions/1/reference');

  it('turns prediction logging on with a sample rate for digits, then off', async () => {
    const { page, server } = suite;
    expect(await settings()).toMatchObject({ enabled: false });
    await page.goto(`${server.url}/models/digits`);
    const card = page.getByTestId('prediction-logging');
    const toggle = card.getByRole('switch', { name: 'Log predictions' });
    await toggle.check();
    await card
      .getByTestId('logging-state')
      .getByText(/^Logging \d/)
      .waitFor();
    expect(await settings()).toMatchObject({ enabled: true });

    await card.getByLabel('Sample rate (%)').fill('25');
    await card.getByRole('button', { name: 'Save rate' }).click();
    await card.getByTestId('logging-state').getByText('Logging 25% of predictions.').waitFor();
    expect(await settings()).toEqual(expect.objectContaining({ enabled: true, sampleRate: 0.25 }));

    // The prediction log page reads the same settings.
    await page.goto(`${server.url}/models/digits/predictions`);
    await page.getByTestId('logging-state').getByText('Logging 25% of predictions.').waitFor();
    await page.getByRole('switch', { name: 'Log predictions' }).uncheck();
    await page.getByTestId('logging-state').getByText('Prediction logging is off.').waitFor();
    expect(await settings()).toMatchObject({ enabled: false, sampleRate: 0.25 });
  });

  it("uploads a reference CSV for iris v1 and refuses one that lacks the version's features", async () => {
    const { page, server } = suite;
    const before = (await reference()).body;
    await page.goto(`${server.url}/models/iris`);
    const section = page.getByRole('form', { name: 'Drift reference of v1' });
    await page.getByTestId('reference-current').getByText(`Compared with ${before.rows} rows`).waitFor();

    await section.getByLabel('Reference CSV').setInputFiles({
      name: 'iris-reference.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(referenceCsv(23)),
    });
    await section.getByRole('button', { name: 'Upload reference' }).click();
    await page.getByText('Reference of v1 set from 23 rows.').waitFor();
    expect((await reference()).body).toMatchObject({ source: 'csv', rows: 23, features: FEATURES });
    await page.getByTestId('reference-current').getByText('Compared with 23 rows (csv)').waitFor();

    const bad = 'colour,size\nred,3\n';
    const direct = await callServer<{ error: { code: string } }>(
      server,
      '/api/models/iris/versions/1/reference',
      {
        method: 'PUT',
        body: bad,
        contentType: 'text/csv',
      },
    );
    expect(direct.status).toBe(400);
    await section.getByLabel('Reference CSV').setInputFiles({
      name: 'wrong.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(bad),
    });
    await section.getByRole('button', { name: 'Upload reference' }).click();
    const alert = page.getByTestId('reference-upload').getByRole('alert');
    await alert.waitFor();
    expect(await alert.getByTestId('error-code').textContent()).toContain(direct.body.error.code);
    expect((await reference()).body.rows).toBe(23);
  });
});
