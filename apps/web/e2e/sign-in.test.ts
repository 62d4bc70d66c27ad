// Browser test of access control with the safe defaults: anonymous reads work on loopback, a change
// answers 401 and sends the browser to the login page, and after signing in the same change goes
// through (session cookie + CSRF header); signing out ends it.

import path from 'node:path';
import { expect, it } from 'vitest';
import { adminEnv, type BrowserSuiteOptions, createUser, describeInBrowser, modelsDir } from './support.js';

const PASSWORD = 'member password for the browser';

const suiteOptions = {
  env: adminEnv(),
  page: 'suite',
  viewport: { width: 1280, height: 1000 },
  /** A member to sign in as. */
  setUp: (server) => createUser(server, { name: 'mia', role: 'member', password: PASSWORD }),
} satisfies BrowserSuiteOptions;

describeInBrowser('sign in', suiteOptions, (suite) => {
  const upload = async () => {
    const { page } = suite;
    await page.getByTestId('model-file-input').setInputFiles(path.join(modelsDir, 'iris', 'iris.onnx'));
    await page.getByTestId('upload-submit').click();
  };

  it('reads anonymously, is sent to sign in for a change, then makes it signed in', async () => {
    const { page, server } = suite;
    await page.goto(`${server.url}/models/iris`);
    await page.getByTestId('versions-table').getByText('v1', { exact: true }).waitFor();
    await page.getByText('Sign in').first().waitFor();

    await page.getByTestId('upload-version-link').click();
    const uploadUrl = page.url();
    await upload();
    await page.waitForURL(/\/login\?next=/);

    await page.getByLabel('User name').fill('mia');
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('error-code').getByText('INVALID_CREDENTIALS').waitFor();

    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(uploadUrl);
    await page.getByTestId('signed-in-user').getByText('mia').waitFor();
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'mg_session')).toMatchObject({ httpOnly: true, sameSite: 'Lax' });

    await upload();
    await page.waitForURL(`${server.url}/models/iris`);
    await page.getByTestId('versions-table').getByText('v2', { exact: true }).waitFor();

    // An API key made in the browser works outside it, until revoked there.
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('Name').fill('from the browser');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.getByTestId('new-key').getByTestId('code-block').textContent())?.trim() ?? '';
    expect(key).toMatch(/^mg_/);
    const whoami = async () =>
      (await fetch(`${server.url}/api/session`, { headers: { authorization: `Bearer ${key}` } })).status;
    expect(await whoami()).toBe(200);
    await page.getByTestId('key-row').getByRole('button', { name: 'Revoke' }).click();
    await page.getByTestId('key-row').getByText('revoked').waitFor();
    expect(await whoami()).toBe(401);

    // The cookie alone is not enough for a change: the CSRF header must come with it.
    const status = await page.evaluate(async () => {
      const res = await fetch('/api/models', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'forged' }),
      });
      return `${res.status} ${((await res.json()) as { error: { code: string } }).error.code}`;
    });
    expect(status).toBe('403 CSRF_TOKEN_INVALID');

    // The page goes to /login first and ends the session after: wait for the DELETE's answer, not
    // for the URL, before asking whether it ended.
    const signedOut = page.waitForResponse(
      (r) => r.request().method() === 'DELETE' && new URL(r.url()).pathname === '/api/session',
    );
    await page.getByRole('button', { name: 'Sign out' }).click();
    expect((await signedOut).status()).toBe(204);
    await page.waitForURL(/\/login/);
    const session = await page.evaluate(async () => (await fetch('/api/session')).json());
    expect(session).toMatchObject({ authenticated: false });
  });

  it('shows the API docs under the security headers (CSP)', async () => {
    const { page, server } = suite;
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    const res = await page.goto(`${server.url}/docs`);
    expect(res?.headers()['content-security-policy']).toContain("default-src 'self'");
    await page.getByText('Model Garden API').first().waitFor();
    await page.locator('.opblock').first().waitFor();
    expect(errors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
  });
});
