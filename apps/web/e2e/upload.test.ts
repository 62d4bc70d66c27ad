// Browser tests of the upload wizard: a real ONNX file becomes a model that predicts, and a bad file
// shows the server's error in an alert.

import path from 'node:path';
import { expect, it } from 'vitest';
import { describeInBrowser, modelsDir } from './support.js';

describeInBrowser('upload wizard', {}, (suite) => {
  it('uploads iris.onnx under a new name, opens its page and predicts with it', async () => {
    const { page, server } = suite;
    await page.goto(`${server.url}/upload`);
    await page.getByLabel('Model name').fill('iris-copy');
    await page.getByTestId('model-file-input').setInputFiles(path.join(modelsDir, 'iris', 'iris.onnx'));
    await page.getByLabel('Labels (optional)').fill('setosa, versicolor, virginica');
    await page
      .getByLabel('Feature names (optional)')
      .fill('sepal_length, sepal_width, petal_length, petal_width');
    await page.getByLabel('Description (optional)').fill('A copy of iris, uploaded from the browser.');
    await page.getByTestId('upload-submit').click();

    await page.waitForURL(`${server.url}/models/iris-copy`);
    await page.getByRole('heading', { name: 'iris-copy', level: 1 }).waitFor();
    const values = { sepal_length: '6.7', sepal_width: '3.0', petal_length: '5.2', petal_width: '2.3' };
    for (const [feature, value] of Object.entries(values)) {
      await page.getByLabel(feature, { exact: true }).fill(value);
    }
    await page.getByTestId('predict-button').click();

    const topLabel = page.getByTestId('top-label');
    await topLabel.waitFor();
    expect(['setosa', 'versicolor', 'virginica']).toContain(await topLabel.textContent());
    await page.getByTestId('probability-chart').waitFor({ state: 'visible' });
  });

  it('shows a progress bar while the file is sent', async () => {
    const { page, server } = suite;
    // Throttle uploads to ~2 KB/s so the 2.6 KB iris.onnx takes a moment to send.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 2048,
    });
    await page.goto(`${server.url}/upload`);
    await page.getByLabel('Model name').fill('iris-slow');
    await page.getByTestId('model-file-input').setInputFiles(path.join(modelsDir, 'iris', 'iris.onnx'));
    await page.getByTestId('upload-submit').click();

    const progress = page.getByTestId('upload-progress');
    await progress.waitFor();
    const value = Number(await progress.getAttribute('aria-valuenow'));
    expect(value).toBeGreaterThanOrEqual(0);
    expect(value).toBeLessThanOrEqual(100);
    await page.waitForURL(`${server.url}/models/iris-slow`);
  });

  it('shows the server error for a file that is not an ONNX model', async () => {
    const { page, server } = suite;
    const junk = Buffer.from('this is plain text, not an ONNX protobuf\n');

    // What the server itself answers for this upload, to compare with what the page shows.
    const form = new FormData();
    form.append('file', new Blob([junk]), 'not-a-model.onnx');
    const direct = await fetch(`${server.url}/api/models/junk-direct/versions`, {
      method: 'POST',
      body: form,
    });
    expect(direct.status).toBeGreaterThanOrEqual(400);
    const { error } = (await direct.json()) as { error: { code: string; message: string } };

    await page.goto(`${server.url}/upload`);
    await page.getByLabel('Model name').fill('junk');
    await page.getByTestId('model-file-input').setInputFiles({
      name: 'not-a-model.onnx',
      mimeType: 'application/octet-stream',
      buffer: junk,
    });
    await page.getByTestId('upload-submit').click();

    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.getByTestId('error-message').textContent()).toBe(error.message);
    expect(await alert.getByTestId('error-code').textContent()).toContain(error.code);
    expect(page.url()).toBe(`${server.url}/upload`);
  });

  it('rejects an invalid model name before sending anything', async () => {
    const { page, server } = suite;
    await page.goto(`${server.url}/upload`);
    await page.getByLabel('Model name').fill('Not Valid!');
    await page.getByTestId('model-file-input').setInputFiles(path.join(modelsDir, 'iris', 'iris.onnx'));
    await page.getByTestId('upload-submit').click();
    await page.getByTestId('model-name-error').waitFor();
    expect(page.url()).toBe(`${server.url}/upload`);
    const list = await (await fetch(`${server.url}/api/models`)).json();
    expect(JSON.stringify(list)).not.toContain('Not Valid');
  });

  it('shows MODEL_NOT_FOUND for an unknown model instead of a blank page', async () => {
    const { page, server } = suite;
    await page.goto(`${server.url}/models/no-such-model`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.getByTestId('error-code').textContent()).toContain('MODEL_NOT_FOUND');
  });
});
