import type { Browser } from 'playwright-core';
import { DirectoryService } from '../../apps/admin-api/src/modules/directory/directory.service';
import { OrganizationsService } from '../../apps/admin-api/src/modules/organizations/organizations.service';
import { graphql, signInAdmin } from '../support/admin-session';
import { startTestApi, type TestApi } from '../support/api';
import { launchBrowser } from '../support/browser';

// Before binding a role to a group, the console previews who would gain what: the API simulates
// the role with the draft binding added, and nothing is saved.
describe('console: role binding preview', () => {
  let api: TestApi;
  let browser: Browser;

  beforeAll(async () => {
    api = await startTestApi();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('shows the people a draft binding reaches and what they gain, without binding', async () => {
    const org = await api
      .get(OrganizationsService)
      .create(`Preview ${Math.random().toString(36).slice(2, 8)}`, { type: 'operator' });
    const names = ['alice', 'bob'].map((name) => `${name}-${org.id.slice(0, 6)}@example.com`);
    const users = await Promise.all(
      names.map((userName) =>
        api.prisma.directoryUser.create({
          data: {
            organizationId: org.id,
            userName,
            userNameLower: userName,
            displayName: userName,
          },
        }),
      ),
    );
    await api
      .get(DirectoryService)
      .createGroup(
        org.id,
        { displayName: 'Sales', externalId: null, memberIds: users.map((user) => user.id) },
        { type: 'system' },
      );
    const owner = await signInAdmin(api, org.id, 'owner');
    const created = await graphql(
      api,
      owner,
      'mutation { createRole(input: { name: "Browsers", capabilities: ["agent", "web"] }) { id } }',
    );
    expect(created.errors).toBeUndefined();

    const context = await browser.newContext({ viewport: { width: 1440, height: 960 } });
    const url = new URL(api.url);
    await context.addCookies(
      owner.headers.cookie.split('; ').map((pair) => {
        const [name, ...rest] = pair.split('=');
        return { name, value: rest.join('='), domain: url.hostname, path: '/' };
      }),
    );
    const page = await context.newPage();
    await page.goto(`${api.url}/roles`);
    await page.getByRole('button', { name: 'Browsers' }).click();
    // The group is found by typing part of its name: nobody pastes an id.
    await page.getByRole('combobox', { name: 'Group to bind' }).fill('sal');
    await page.getByRole('option', { name: /^Sales/ }).click();
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    const affected = page.getByTestId('affected-users');
    await affected.waitFor();
    const text = await affected.textContent();
    expect(text).toContain('2 people affected');
    for (const name of names) expect(text).toContain(name);
    expect(await api.prisma.roleBinding.count({ where: { organizationId: org.id } })).toBe(0);

    // Editing the draft hides the preview until asked again.
    await page.getByRole('combobox', { name: 'Bind to' }).click();
    await page.getByRole('option', { name: 'Person' }).click();
    await affected.waitFor({ state: 'detached' });
    await page.getByRole('combobox', { name: 'Person to bind' }).fill('alice');
    await page.getByRole('option', { name: new RegExp(`^${names[0]}`) }).click();
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await affected.waitFor();
    expect(await affected.textContent()).toContain('1 person affected');
    expect(await api.prisma.roleBinding.count({ where: { organizationId: org.id } })).toBe(0);
    await context.close();
  });
});
