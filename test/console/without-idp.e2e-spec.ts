import type { Browser } from 'playwright-core';
import { OrganizationsService } from '../../apps/admin-api/src/modules/organizations/organizations.service';
import { signInAdmin } from '../support/admin-session';
import { startTestApi, type TestApi } from '../support/api';
import { launchBrowser } from '../support/browser';
import {
  openScreen,
  seriousViolations,
  signedInContext,
  useColorScheme,
} from '../support/console-page';

// An IT admin with no identity provider runs the organization from the console: renames it, adds a
// person and a group, puts the person in it and takes them out, edits and deactivates the person,
// deletes the group; what the IdP manages shows read-only. Judged by the database.
describe('console: an organization without an identity provider', () => {
  let api: TestApi;
  let browser: Browser;

  beforeAll(async () => {
    api = await startTestApi();
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('adds, edits and deletes people and groups by name', async () => {
    const org = await api.get(OrganizationsService).create('No IdP', { type: 'operator' });
    const owner = await signInAdmin(api, org.id, 'owner');
    const context = await signedInContext(browser, api, owner);
    const page = await context.newPage();
    const users = () => api.prisma.directoryUser.findMany({ where: { organizationId: org.id } });

    await openScreen(page, api, '/people', 'People & groups');
    for (const scheme of ['light', 'dark'] as const) {
      await useColorScheme(page, scheme);
      expect(await seriousViolations(page)).toEqual([]);
    }
    const addPerson = page.getByRole('form', { name: 'Add a person' });
    await addPerson.getByRole('button', { name: 'Add person' }).click();
    await page.getByText('Enter a user name, usually their email').waitFor();
    expect(await users()).toEqual([]);
    await addPerson.getByLabel('User name').fill('ana@example.com');
    await addPerson.getByLabel('Name', { exact: true }).fill('Ana Lima');
    await addPerson.getByRole('button', { name: 'Add person' }).click();
    await page.getByRole('heading', { level: 1, name: 'Ana Lima' }).waitFor();
    const [ana] = await users();
    expect(ana).toMatchObject({
      userName: 'ana@example.com',
      displayName: 'Ana Lima',
      active: true,
    });

    // Name and address saved, then deactivated after the confirmation.
    const edit = page.getByRole('form', { name: 'Edit person' });
    await edit.getByLabel('Name', { exact: true }).fill('Ana M. Lima');
    await edit.getByLabel('Email').fill('ana.lima@example.com');
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { level: 1, name: 'Ana M. Lima' }).waitFor();
    await page.getByRole('button', { name: 'Deactivate' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Deactivate' }).click();
    await page.getByRole('button', { name: 'Activate', exact: true }).waitFor();
    const stored = await api.prisma.directoryUser.findUniqueOrThrow({
      where: { id: ana!.id },
      include: { emails: true },
    });
    expect([stored.displayName, stored.active, stored.emails.map((e) => e.value)]).toEqual([
      'Ana M. Lima',
      false,
      ['ana.lima@example.com'],
    ]);

    // A group, Ana added to it by name and removed again, then the group deleted.
    await openScreen(page, api, '/people', 'People & groups');
    await page.getByRole('textbox', { name: 'Group name' }).fill('Finance');
    await page.getByRole('button', { name: 'Add group' }).click();
    await page.getByRole('heading', { level: 1, name: 'Finance' }).waitFor();
    const group = await api.prisma.directoryGroup.findFirstOrThrow({
      where: { organizationId: org.id },
    });
    await page.getByRole('combobox', { name: 'Add a member' }).fill('ana');
    await page.getByRole('option', { name: /Ana M\. Lima/ }).click();
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.getByRole('button', { name: 'Remove Ana M. Lima from the group' }).waitFor();
    const members = () => api.prisma.directoryGroupMember.count({ where: { groupId: group.id } });
    expect(await members()).toBe(1);
    await page.getByRole('button', { name: 'Remove Ana M. Lima from the group' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await page
      .getByRole('button', { name: 'Remove Ana M. Lima from the group' })
      .waitFor({ state: 'detached' });
    await page.getByText('0 members').waitFor();
    expect(await members()).toBe(0);
    for (const scheme of ['light', 'dark'] as const) {
      await useColorScheme(page, scheme);
      expect(await seriousViolations(page)).toEqual([]);
    }
    await page.getByRole('button', { name: 'Delete group' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete group' }).click();
    await page.getByRole('heading', { level: 1, name: 'People & groups' }).waitFor();
    expect(await api.prisma.directoryGroup.count({ where: { id: group.id } })).toBe(0);
    await context.close();
  }, 120_000);

  it('shows what the identity provider manages read-only', async () => {
    const org = await api.get(OrganizationsService).create('With IdP', { type: 'operator' });
    const person = await api.prisma.directoryUser.create({
      data: {
        organizationId: org.id,
        userName: 'carl@example.com',
        userNameLower: 'carl@example.com',
        displayName: 'Carl',
        externalId: 'okta-00u2',
      },
    });
    const context = await signedInContext(browser, api, await signInAdmin(api, org.id, 'owner'));
    const page = await context.newPage();
    await openScreen(page, api, `/people/${person.id}`, 'Carl');
    await page.getByText('Your identity provider manages this person').waitFor();
    expect(await page.getByRole('form', { name: 'Edit person' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Deactivate' }).count()).toBe(0);
    await context.close();
  }, 60_000);

  it('renames the organization from Settings, for its owner', async () => {
    const org = await api.get(OrganizationsService).create('My organization', { type: 'system' });
    const context = await signedInContext(browser, api, await signInAdmin(api, org.id, 'owner'));
    const page = await context.newPage();
    await openScreen(page, api, '/settings', 'Settings');
    const form = page.getByRole('form', { name: 'Rename organization' });
    await form.getByRole('textbox', { name: 'Organization name' }).fill('Acme Robotics');
    await form.getByRole('button', { name: 'Rename' }).click();
    await page.getByText('Organization renamed').waitFor();
    const stored = await api.prisma.organization.findUniqueOrThrow({ where: { id: org.id } });
    expect([stored.name, stored.slug]).toEqual(['Acme Robotics', org.slug]);
    await context.close();

    const adminContext = await signedInContext(
      browser,
      api,
      await signInAdmin(api, org.id, 'admin'),
    );
    const adminPage = await adminContext.newPage();
    await openScreen(adminPage, api, '/settings', 'Settings');
    await adminPage.getByTestId('viewer-organization').getByText('Acme Robotics').waitFor();
    expect(await adminPage.getByRole('form', { name: 'Rename organization' }).count()).toBe(0);
    await adminContext.close();
  }, 60_000);
});
