// Browser tests of user administration (an admin creates a user, changes their role, disables and
// enables them, resets their password; the last admin cannot demote themself) and of changing one's
// own password; each checked against what the server then holds.

import { expect, it } from 'vitest';
import {
  adminEnv,
  type BrowserSuiteOptions,
  callServer,
  createUser,
  describeInBrowser,
  signIn,
  type TestServer,
} from './support.js';

const ADA = { name: 'ada', role: 'admin', password: 'ada admin password in the browser' } as const;
const MIA = { name: 'mia', role: 'member', password: 'mia member password in the browser' } as const;

const suiteOptions = {
  env: adminEnv(),
  page: 'suite',
  viewport: { width: 1400, height: 1000 },
  async setUp(server) {
    await createUser(server, ADA);
    await createUser(server, MIA);
  },
} satisfies BrowserSuiteOptions;

/** What signing in with this pair answers, over HTTP outside the browser. */
const login = async (server: TestServer, name: string, password: string) =>
  (await callServer(server, '/api/session', { method: 'POST', body: { name, password } })).status;

const user = async (server: TestServer, name: string) =>
  (await callServer<{ role: string; disabled: boolean }>(server, `/api/users/${name}`, { admin: true })).body;

describeInBrowser('user administration', suiteOptions, (suite) => {
  it('creates bob with a generated password, changes his role, disables him and resets his password', async () => {
    const { page, server } = suite;
    await signIn(page, server, ADA.name, ADA.password);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
    const form = page.getByRole('form', { name: 'New user' });
    await form.getByLabel('User name').fill('bob');
    await form.getByLabel('Role').selectOption('member');
    await form.getByRole('button', { name: 'Create user' }).click();
    const generated = page.getByTestId('created-password');
    await generated.getByText('Password for bob').waitFor();
    const password = (await generated.getByTestId('code-block').textContent())?.trim() ?? '';
    expect(password.length).toBeGreaterThan(8);
    expect(await login(server, 'bob', password)).toBe(200);

    const row = page.locator('[data-testid=user-row][data-user=bob]');
    await row.getByLabel('Role of bob').selectOption('viewer');
    await expect.poll(async () => (await user(server, 'bob')).role).toBe('viewer');

    await row.getByRole('button', { name: 'Disable bob' }).click();
    await row.getByTestId('user-status').getByText('disabled').waitFor();
    expect(await user(server, 'bob')).toMatchObject({ disabled: true });
    expect(await login(server, 'bob', password)).toBe(401);
    await row.getByRole('button', { name: 'Enable bob' }).click();
    await row.getByTestId('user-status').getByText('active').waitFor();
    expect(await login(server, 'bob', password)).toBe(200);

    await row.getByRole('button', { name: 'Reset password of bob' }).click();
    const shown = page.getByTestId('reset-password');
    await shown.getByText('Password for bob').waitFor();
    const reset = (await shown.getByTestId('code-block').textContent())?.trim() ?? '';
    expect(reset).not.toBe(password);
    expect(await login(server, 'bob', password)).toBe(401);
    expect(await login(server, 'bob', reset)).toBe(200);
  });

  it('shows LAST_ADMIN when the only enabled admin demotes themself, and keeps them admin', async () => {
    const { page, server } = suite;
    // The server's first-start `admin` user is the other admin; disable it first.
    const first = page.locator('[data-testid=user-row][data-user=admin]');
    await first.getByRole('button', { name: 'Disable admin' }).click();
    await first.getByTestId('user-status').getByText('disabled').waitFor();
    expect(await user(server, 'admin')).toMatchObject({ role: 'admin', disabled: true });

    const row = page.locator('[data-testid=user-row][data-user=ada]');
    await row.getByLabel('Role of ada').selectOption('member');
    const alert = page.getByRole('alert');
    await alert.getByText('Could not change ada').waitFor();
    expect(await alert.getByTestId('error-code').textContent()).toBe('LAST_ADMIN · HTTP 409');
    expect((await user(server, 'ada')).role).toBe('admin');
    expect(await row.getByLabel('Role of ada').inputValue()).toBe('admin');
  });

  it('lets mia change her own password: a wrong current one is refused in place, then she signs in again', async () => {
    const { page, server } = suite;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login/);
    await signIn(page, server, MIA.name, MIA.password);
    expect(await page.getByRole('link', { name: 'Users' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Account of mia' }).click();
    const form = page.getByRole('form', { name: 'Change password' });
    const fresh = 'mia changed this in the browser';
    await form.getByLabel('Current password').fill('not my password');
    await form.getByLabel('New password', { exact: true }).fill(fresh);
    await form.getByLabel('Repeat the new password').fill(fresh);
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.getByTestId('error-code').getByText('INVALID_CREDENTIALS').waitFor();
    expect(new URL(page.url()).pathname).toBe('/account');
    expect(await login(server, MIA.name, MIA.password)).toBe(200);

    await form.getByLabel('Current password').fill(MIA.password);
    await form.getByRole('button', { name: 'Change password' }).click();
    await page.waitForURL(/\/login/);
    expect(await login(server, MIA.name, MIA.password)).toBe(401);
    expect(await login(server, MIA.name, fresh)).toBe(200);
    await signIn(page, server, MIA.name, fresh);
  });
});
