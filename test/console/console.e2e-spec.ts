import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CredentialsService } from '../../apps/admin-api/src/modules/credentials/credentials.service';
import { DirectoryService } from '../../apps/admin-api/src/modules/directory/directory.service';
import { OrganizationsService } from '../../apps/admin-api/src/modules/organizations/organizations.service';
import { graphql, signInAdmin, type AdminSession } from '../support/admin-session';
import { startTestApi, type TestApi } from '../support/api';
import { launchBrowser } from '../support/browser';

// The console in Debian's Chromium against the real API and database: an owner governs a
// connector end to end, every screen passes axe, and each screen is photographed for the README
// (docs/screenshots/, refreshed by `npm run screenshots`). Captures are the viewport, as an admin
// sees the screen: a full-page capture repeats the fixed header in the middle of the image.
const ROOT = path.resolve(__dirname, '../..');
const SCREENSHOTS = path.join(ROOT, 'docs/screenshots');
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const SCREENS = [
  { name: 'overview', path: '/', heading: 'Overview' },
  { name: 'people', path: '/people', heading: 'People & groups' },
  { name: 'roles', path: '/roles', heading: 'Roles' },
  { name: 'connectors', path: '/connectors', heading: 'Connectors' },
  { name: 'folders', path: '/folders', heading: 'Folders' },
  { name: 'spend', path: '/spend', heading: 'Spend' },
  { name: 'endpoints', path: '/endpoints', heading: 'Endpoints & rollout' },
  { name: 'audit', path: '/audit', heading: 'Audit' },
  { name: 'settings', path: '/settings', heading: 'Settings' },
] as const;

const CATALOGUE = JSON.stringify({
  tools: [
    { name: 'list_contacts', description: 'Lists contacts', annotations: { readOnlyHint: true } },
    {
      name: 'delete_contact',
      description: 'Deletes a contact',
      annotations: { destructiveHint: true },
    },
  ],
});

jest.setTimeout(120_000);

describe('admin console in a real browser', () => {
  let api: TestApi;
  let browser: Browser;
  let organizationId: string;
  let salesGroupId: string;
  let aliceName: string;
  let carolName: string;

  beforeAll(async () => {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { stdio: 'ignore' });
    mkdirSync(SCREENSHOTS, { recursive: true });
    [api, browser] = await Promise.all([startTestApi(), launchBrowser()]);

    const org = await api
      .get(OrganizationsService)
      .create(`Console ${Math.random().toString(36).slice(2, 8)}`, { type: 'operator' });
    organizationId = org.id;
    aliceName = `alice-${organizationId.slice(0, 6)}@example.com`;
    const users = await Promise.all(
      [aliceName, `bob-${organizationId.slice(0, 6)}@example.com`].map((userName) =>
        api.prisma.directoryUser.create({
          data: { organizationId, userName, userNameLower: userName, displayName: userName },
        }),
      ),
    );
    const sales = await api
      .get(DirectoryService)
      .createGroup(
        organizationId,
        { displayName: 'Sales', externalId: null, memberIds: users.map((u) => u.id) },
        { type: 'system' },
      );
    salesGroupId = sales.id;

    // Carol arrives as an identity provider provisions people: by SCIM, with her IdP's id.
    carolName = `carol-${organizationId.slice(0, 6)}@example.com`;
    const scim = await api
      .get(CredentialsService)
      .issue(organizationId, 'scim', { actor: { type: 'operator' } });
    const provisioned = await fetch(`${api.url}/scim/v2/Users`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${scim.secret}`,
        'content-type': 'application/scim+json',
      },
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: carolName,
        externalId: 'okta-carol',
        displayName: 'Carol Jones',
        emails: [{ value: carolName, primary: true }],
      }),
    });
    expect(provisioned.status).toBe(201);

    // Alice's laptop is enrolled, so publishes have an endpoint to roll out to.
    const enrolment = await api
      .get(CredentialsService)
      .issue(organizationId, 'enrolment', { actor: { type: 'operator' } });
    const enrolled = await fetch(`${api.url}/api/v1/endpoints/enrol`, {
      method: 'POST',
      headers: { authorization: `Bearer ${enrolment.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        user: aliceName,
        deviceName: 'alice-laptop',
        os: 'macos',
        runtimeVersion: '0.1.0',
      }),
    });
    expect(enrolled.status).toBe(201);
  });

  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  async function signedInContext(session: AdminSession): Promise<BrowserContext> {
    const context = await browser.newContext({
      viewport: { width: 1440, height: 960 },
      reducedMotion: 'reduce',
    });
    const url = new URL(api.url);
    await context.addCookies(
      session.headers.cookie.split('; ').map((pair) => {
        const [name, ...rest] = pair.split('=');
        return { name, value: rest.join('='), domain: url.hostname, path: '/' };
      }),
    );
    return context;
  }

  async function open(page: Page, route: string, heading: string) {
    await page.goto(`${api.url}${route}`);
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  }

  async function seriousViolations(page: Page) {
    await page.addScriptTag({ content: AXE });
    const results = await page.evaluate(async () => {
      const axe = (globalThis as unknown as { axe: { run: () => Promise<AxeResults> } }).axe;
      return axe.run();
    });
    return results.violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation) => ({
        id: violation.id,
        help: violation.help,
        nodes: violation.nodes.map((node) => node.target.join(' ')).slice(0, 5),
      }));
  }

  it('governs a connector end to end: role, binding, write tools restricted, preview, publish, rollout', async () => {
    const owner = await signInAdmin(api, organizationId, 'owner', 'owner@example.com');
    const context = await signedInContext(owner);
    const page = await context.newPage();

    await open(page, '/', 'Overview');
    await page.getByTestId('viewer-name').filter({ hasText: 'owner@example.com' }).waitFor();

    // Connector on the allow-list, its catalogue uploaded as JSON, the drift approved.
    await open(page, '/connectors', 'Connectors');
    await page.getByRole('button', { name: 'Add connector' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'Name' }).fill('crm');
    await dialog.getByRole('textbox', { name: 'Version' }).fill('1.0.0');
    await dialog.getByRole('textbox', { name: 'Command' }).fill('npx -y @acme/crm-mcp');
    await dialog.getByRole('button', { name: 'Add to allow-list' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByLabel('Tool catalogue (JSON)').fill(CATALOGUE);
    await page.getByRole('button', { name: 'Import pasted catalogue' }).click();
    await page.getByRole('status').filter({ hasText: '2 added' }).waitFor();
    await page.getByTestId('drift-alert').waitFor();
    await page.getByRole('button', { name: 'Approve this catalogue' }).click();
    await page.getByTestId('drift-alert').waitFor({ state: 'detached' });

    // A role granting the connector, bound to the Sales group.
    await open(page, '/roles', 'Roles');
    await page.getByRole('button', { name: 'New role' }).click();
    await page.getByRole('textbox', { name: 'Name' }).fill('Sales agents');
    await page.getByRole('checkbox', { name: /^Connectors/ }).check();
    await page.getByRole('checkbox', { name: 'crm' }).check();
    await page.getByRole('combobox', { name: 'crm write tools' }).click();
    await page.getByRole('option', { name: 'Allow' }).click();
    await page.getByRole('button', { name: 'Create role' }).click();
    await page.getByRole('heading', { level: 2, name: 'Sales agents' }).waitFor();
    await page.getByLabel('Group or person ID').fill(salesGroupId);
    await page.getByRole('button', { name: 'Bind', exact: true }).click();
    await page.getByText(salesGroupId).waitFor();
    await api.jobs.drain();

    // Restrict the write tools and see who is affected before saving.
    await page.getByRole('combobox', { name: 'crm write tools' }).click();
    await page.getByRole('option', { name: 'Deny' }).click();
    await page.getByRole('button', { name: 'Preview affected people' }).click();
    const affected = page.getByTestId('affected-users');
    await affected.waitFor();
    expect(await affected.textContent()).toContain('2 people affected');
    expect(await affected.textContent()).toContain(aliceName);
    expect(await affected.textContent()).toContain('crm · delete_contact: allow → deny');
    await affected.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'roles.png') });

    await page.getByRole('button', { name: 'Save and publish' }).click();
    await affected.waitFor({ state: 'detached' });
    await api.jobs.drain();
    const role = await api.prisma.governanceRole.findFirstOrThrow({ where: { organizationId } });
    const rule = await api.prisma.roleConnectorRule.findFirstOrThrow({
      where: { roleId: role.id },
    });
    expect(rule.write).toBe('deny');

    // The publish reached Alice's laptop's queue: the rollout shows it.
    await open(page, '/endpoints', 'Endpoints & rollout');
    await page.getByRole('cell', { name: 'governance.changed' }).first().waitFor();
    const rollout = page.getByTestId('rollout');
    await rollout.getByText(/of 1 endpoints on this policy/).waitFor();
    await page.getByRole('cell', { name: 'alice-laptop', exact: true }).waitFor();
    await context.close();
  });

  it('passes axe on every screen, in light and dark, and photographs each', async () => {
    const owner = await signInAdmin(api, organizationId, 'owner');
    const context = await signedInContext(owner);
    const page = await context.newPage();
    const problems: Record<string, unknown> = {};
    for (const screen of SCREENS) {
      await open(page, screen.path, screen.heading);
      await page.waitForLoadState('networkidle');
      const violations = await seriousViolations(page);
      if (violations.length) problems[screen.name] = violations;
      if (screen.name !== 'roles') {
        await page.screenshot({ path: path.join(SCREENSHOTS, `${screen.name}.png`) });
      }
    }
    await page.emulateMedia({ colorScheme: 'dark' });
    for (const screen of [SCREENS[2], SCREENS[6]]) {
      await open(page, screen.path, screen.heading);
      await page.waitForLoadState('networkidle');
      const violations = await seriousViolations(page);
      if (violations.length) problems[`${screen.name} (dark)`] = violations;
    }
    await page.screenshot({ path: path.join(SCREENSHOTS, 'endpoints-dark.png') });
    expect(problems).toEqual({});
    await context.close();
  });

  it('lists people from SCIM with source and status, and explains their effective policy', async () => {
    const auditor = await signedInContext(await signInAdmin(api, organizationId, 'auditor'));
    const page = await auditor.newPage();
    await open(page, '/people', 'People & groups');
    await page.getByRole('textbox', { name: 'Search people' }).fill('carol');
    const people = page.getByRole('table', { name: 'people' });
    const carol = people.getByRole('row').filter({ hasText: carolName });
    await carol.waitFor();
    // The search runs on the server: the others leave the table once it answers.
    await people.getByRole('row').filter({ hasText: aliceName }).waitFor({ state: 'detached' });
    expect(await people.getByRole('row').count()).toBe(2);
    expect(await carol.textContent()).toContain('SCIM');
    expect(await carol.textContent()).toContain('active');
    await carol.getByRole('button', { name: 'Carol Jones' }).click();
    const policy = page.getByRole('table', { name: 'effective capabilities' });
    await policy
      .getByRole('row', { name: /^Agent/ })
      .getByText('deny')
      .waitFor();
    await page.getByRole('textbox', { name: 'Connector' }).fill('crm');
    await page.getByRole('textbox', { name: 'Tool' }).fill('delete_contact');
    await page.getByRole('button', { name: 'Explain tool' }).click();
    await page.getByTestId('tool-explanation').getByText('deny').waitFor();
    const groups = page.getByRole('table', { name: 'groups' });
    await groups
      .getByRole('row')
      .filter({ hasText: 'Sales' })
      .getByText('2', { exact: true })
      .waitFor();
    await auditor.close();
  });

  it('shows an auditor no edit controls, and billing only spend', async () => {
    const auditor = await signedInContext(await signInAdmin(api, organizationId, 'auditor'));
    const page = await auditor.newPage();
    await open(page, '/roles', 'Roles');
    await page.getByRole('button', { name: 'Sales agents' }).click();
    await page.getByRole('heading', { level: 2, name: 'Sales agents' }).waitFor();
    expect(await page.getByRole('button', { name: 'New role' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Save and publish' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Bind', exact: true }).count()).toBe(0);
    expect(await page.getByRole('textbox', { name: 'Name' }).isDisabled()).toBe(true);
    await auditor.close();

    const billing = await signedInContext(await signInAdmin(api, organizationId, 'billing'));
    const billingPage = await billing.newPage();
    await open(billingPage, '/spend', 'Spend');
    const nav = billingPage.getByRole('navigation', { name: 'Console' });
    expect((await nav.getByRole('link').allTextContents()).sort()).toEqual(['Overview', 'Spend']);
    await billing.close();

    // The API, not only the navigation, keeps the directory from billing admins.
    const billingSession = await signInAdmin(api, organizationId, 'billing');
    for (const query of ['{ directoryUsers { total } }', '{ directoryGroups { total } }']) {
      const result = await graphql(api, billingSession, query);
      expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(result.data ?? null).toBeNull();
    }
  });
});

interface AxeResults {
  violations: {
    id: string;
    impact: string | null;
    help: string;
    nodes: { target: string[] }[];
  }[];
}
