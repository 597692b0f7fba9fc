import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { CredentialsService } from '../../apps/admin-api/src/modules/credentials/credentials.service';
import { DirectoryService } from '../../apps/admin-api/src/modules/directory/directory.service';
import { OrganizationsService } from '../../apps/admin-api/src/modules/organizations/organizations.service';
import { JobName } from '../../apps/admin-api/src/platform/jobs/job-names';
import { graphql, signInAdmin, type AdminSession } from '../support/admin-session';
import { startTestApi, type TestApi } from '../support/api';
import { launchBrowser } from '../support/browser';
import {
  openScreen,
  seriousViolations,
  signedInContext as signedInContextFor,
} from '../support/console-page';
import { generateIdpKeyPair } from '../support/saml-idp';
import { sessionEvents, upload } from '../telemetry/events';

// The console in Debian's Chromium against the real API and database: an owner governs a
// connector end to end, every screen passes axe, and each screen is photographed for the README
// (docs/screenshots/, refreshed by `npm run screenshots`). Captures are the viewport, as an admin
// sees the screen: a full-page capture repeats the fixed header in the middle of the image.
const ROOT = path.resolve(__dirname, '../..');
const SCREENSHOTS = path.join(ROOT, 'docs/screenshots');

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
        active: true,
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
    const laptop = (await enrolled.json()) as { credential: string; endpointId: string };
    // Its steward-agent governs Claude Code there and reports what it last wrote for it.
    const agents = await fetch(`${api.url}/api/v1/endpoints/agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${laptop.credential}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        agents: [
          {
            agent: 'claude-code',
            access: 'policy',
            bundleVersion: 1,
            reason: null,
            digest: 'sha256:0',
            writtenAt: new Date().toISOString(),
          },
        ],
      }),
    });
    expect(agents.status).toBe(204);

    // Alice has used the agent on two days (events through endpoint ingest, folded by the rollup
    // job), and Sales has a monthly budget: the Overview has something to chart.
    const subject = (sessionId: string) => ({
      organizationId,
      userId: users[0]!.id,
      endpointId: laptop.endpointId,
      sessionId,
    });
    const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000 - 3_600_000);
    const ingested = await upload(api, laptop.credential, [
      ...sessionEvents(subject('s1'), daysAgo(3), '0.42'),
      ...sessionEvents(subject('s2'), daysAgo(1), '1.1'),
      ...sessionEvents(subject('s3'), daysAgo(1), '0.3'),
    ]);
    expect(ingested.body).toMatchObject({ stored: 24 });
    await api.jobs.enqueue(JobName.AnalyticsRollup);
    await api.jobs.drain();
    const limit = await graphql(
      api,
      await signInAdmin(api, organizationId, 'owner'),
      `
        mutation ($input: SpendLimitInput!) {
          createSpendLimit(input: $input) {
            id
          }
        }
      `,
      {
        input: {
          subjectType: 'group',
          subjectId: salesGroupId,
          period: 'month',
          amountUsd: '50',
          enforcement: 'hard',
          alertThresholds: [80],
        },
      },
    );
    expect(limit.errors).toBeUndefined();
  });

  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  const signedInContext = (session: AdminSession) => signedInContextFor(browser, api, session);
  const open = (page: Page, route: string, heading: string) =>
    openScreen(page, api, route, heading);

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
    await page.getByRole('combobox', { name: 'Group to bind' }).fill('Sales');
    await page.getByRole('option', { name: /^Sales/ }).click();
    await page.getByRole('button', { name: 'Bind', exact: true }).click();
    await page
      .getByRole('table', { name: 'Bindings of Sales agents' })
      .getByRole('link', { name: 'Sales' })
      .waitFor();
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
    // A tightening sits under what people lose, not under what they gain.
    const alice = affected.getByRole('row').filter({ hasText: aliceName });
    expect(await alice.getByRole('cell').nth(2).textContent()).toContain('delete_contact');
    expect(await alice.getByRole('cell').nth(1).textContent()).not.toContain('delete_contact');
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
    // Whose it is, by name, and the agents it governs: Claude Code, on bundle version 1's policy.
    const laptopRow = page.getByRole('row').filter({ hasText: 'alice-laptop' });
    await laptopRow.getByRole('link', { name: /alice/i }).waitFor();
    await page.getByRole('cell', { name: /claude-code\s.*policy v1/ }).waitFor();
    await context.close();
  });

  it('charts activity over time on the Overview, with spend against limits', async () => {
    const billing = await signedInContext(await signInAdmin(api, organizationId, 'billing'));
    const page = await billing.newPage();
    await open(page, '/', 'Overview');
    const stats = page.getByTestId('stat');
    await stats.filter({ hasText: 'Sessions' }).filter({ hasText: '3' }).waitFor();
    expect(await stats.allTextContents()).toEqual([
      'Active people1',
      'Sessions3',
      'Tool calls (denied)6 (3)',
      'Model spend$1.82',
    ]);
    for (const title of [
      'Active people and sessions',
      'Tool calls by decision',
      'Plan approvals',
      'Model spend',
      'Spend against limits',
    ]) {
      const chart = page.getByRole('region', { name: title }).getByTestId('chart');
      await chart.locator('svg.recharts-surface').first().waitFor();
    }
    // Drawn from the data: one stacked bar per day with tool calls, areas for the series.
    const decisions = page.getByRole('region', { name: 'Tool calls by decision' });
    expect(await decisions.locator('.recharts-bar-rectangle path').count()).toBeGreaterThan(0);
    // The axis label may wrap into lines (one <tspan> each, joined without a space) when the id's
    // characters are wide.
    await page
      .getByRole('region', { name: 'Spend against limits' })
      .getByText(/Sales\s*·\s*month/)
      .waitFor();

    // A week's range still holds both days; before the first event there was nothing to chart.
    const week = new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10);
    await page.getByRole('radiogroup', { name: 'Period' }).getByText('7 days').click();
    await page.getByText(new RegExp(`^${week} to `)).waitFor();
    await stats.filter({ hasText: 'Sessions3' }).waitFor();
    await billing.close();

    // A new organization is told what to do first, not shown empty charts.
    const fresh = await api
      .get(OrganizationsService)
      .create(`Fresh ${Math.random().toString(36).slice(2, 8)}`, { type: 'operator' });
    const newcomer = await signedInContext(await signInAdmin(api, fresh.id, 'owner'));
    const empty = await newcomer.newPage();
    await open(empty, '/', 'Overview');
    const state = empty.getByTestId('empty-state');
    await state.getByText('No agent activity in the last 30 days').waitFor();
    expect(await state.textContent()).toContain('Next step: create an enrolment token in Settings');
    await empty.getByText('No spend limits yet.').waitFor();
    expect(await empty.getByTestId('chart').count()).toBe(0);
    await newcomer.close();
  });

  it('edits sign-in and export settings with validation and the API’s errors', async () => {
    const owner = await signedInContext(await signInAdmin(api, organizationId, 'owner'));
    const page = await owner.newPage();
    await open(page, '/settings', 'Settings');

    // OpenTelemetry export: a header checked as typed, a redaction rule, saved.
    const exportForm = page.getByRole('form', { name: 'OpenTelemetry export' });
    await exportForm.getByLabel(/Collector URL/).fill('collector.example.com');
    await exportForm.getByText('An absolute http(s) URL').waitFor();
    await exportForm.getByLabel(/Collector URL/).fill('https://collector.example.com:4318/v1/logs');
    await exportForm.getByText('An absolute http(s) URL').waitFor({ state: 'detached' });
    await exportForm.getByRole('button', { name: 'Add header' }).click();
    await exportForm.getByLabel('Header 1 name').fill('Content-Type');
    await exportForm.getByText('Steward sets this header itself').waitFor();
    await exportForm.getByLabel('Header 1 name').fill('Authorization');
    await exportForm.getByLabel('Header 1 value').fill('Bearer collector-secret');
    await exportForm
      .getByRole('radiogroup', { name: 'Task and plan text' })
      .getByText('Hash', { exact: true })
      .click();
    await exportForm.getByRole('button', { name: 'Save export' }).click();
    await page
      .getByTestId('telemetry-status')
      .filter({ hasText: 'headers: Authorization' })
      .filter({ hasText: 'prompts hash' })
      .waitFor();
    const collector = await api.prisma.telemetryCollector.findFirstOrThrow({
      where: { organizationId },
    });
    expect(collector).toMatchObject({
      endpoint: 'https://collector.example.com:4318/v1/logs',
      headers: { Authorization: 'Bearer collector-secret' },
      redactPrompts: 'hash',
      redactCommands: 'hash',
      redactPaths: 'hash',
    });

    // Admin role mapping: a group mapped, its role changed, then removed after confirming.
    const mappings = page.getByRole('region', { name: 'Admin role mapping' });
    await mappings.getByRole('textbox', { name: 'IdP group' }).fill('steward-auditors');
    await mappings.getByRole('button', { name: 'Map group' }).click();
    const roleOf = mappings.getByRole('combobox', { name: 'Role for steward-auditors' });
    await roleOf.waitFor();
    expect(await roleOf.inputValue()).toBe('Admin');
    await roleOf.click();
    await page.getByRole('option', { name: 'Auditor (read-only)' }).click();
    // The select shows what the API saved: it changes once the list is read back.
    await page.waitForFunction(
      `document.querySelector('input[aria-label="Role for steward-auditors"]')?.value === 'Auditor (read-only)'`,
    );
    const mapping = await api.prisma.adminRoleMapping.findFirstOrThrow({
      where: { organizationId },
    });
    expect(mapping).toMatchObject({ idpGroup: 'steward-auditors', role: 'auditor' });
    await mappings.getByRole('button', { name: 'Remove the mapping for steward-auditors' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove mapping' }).click();
    await mappings.getByText('No identity-provider group is mapped').waitFor();

    // SAML: the browser checks the shape, the API reads the certificate and says what is wrong.
    const idp = page.getByRole('form', { name: 'Identity provider' });
    await idp.getByRole('textbox', { name: 'IdP entity ID' }).fill('http://www.okta.com/exk1');
    await idp.getByRole('textbox', { name: 'SSO URL' }).fill('http://idp.example.com/sso');
    await idp.getByText('An absolute https:// URL').waitFor();
    await idp.getByRole('textbox', { name: 'SSO URL' }).fill('https://idp.example.com/sso');
    await idp.getByRole('textbox', { name: 'Signing certificate', exact: true }).fill('MIIBbad0');
    await idp.getByRole('button', { name: 'Save identity provider' }).click();
    await idp
      .getByRole('alert')
      .getByText('the signing certificate is not a readable X.509 certificate')
      .waitFor();
    const { certificate } = generateIdpKeyPair('Console IdP');
    await idp.getByRole('textbox', { name: 'Signing certificate', exact: true }).fill(certificate);
    await idp.getByRole('button', { name: 'Save identity provider' }).click();
    await page.getByRole('table', { name: 'Single sign-on' }).getByText('CN=Console IdP').waitFor();
    // Replacing a working identity provider asks first.
    await page.getByRole('button', { name: 'Change identity provider' }).click();
    await idp.getByRole('textbox', { name: 'Signing certificate', exact: true }).fill(certificate);
    await idp.getByRole('button', { name: 'Save identity provider' }).click();
    const confirm = page.getByRole('dialog', { name: 'Replace the identity provider?' });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    await owner.close();

    // Auditors read the same page with no forms; the API refuses them the export settings.
    const auditor = await signedInContext(await signInAdmin(api, organizationId, 'auditor'));
    const auditorPage = await auditor.newPage();
    await open(auditorPage, '/settings', 'Settings');
    await auditorPage.getByText('Only owners change single sign-on.').waitFor();
    for (const form of ['Identity provider', 'Map an IdP group', 'OpenTelemetry export']) {
      expect(await auditorPage.getByRole('form', { name: form }).count()).toBe(0);
    }
    await auditorPage
      .getByRole('table', { name: 'Single sign-on' })
      .getByText('CN=Console IdP')
      .waitFor();
    await auditor.close();
  });

  it('edits the web hosts the shell may reach: checked as typed, saved, removed after confirming', async () => {
    // The screen names the roles whose people the list applies to.
    const ownerSession = await signInAdmin(api, organizationId, 'owner');
    const researchers = await graphql<{ createRole: { id: string } }>(
      api,
      ownerSession,
      `
        mutation ($input: RoleInput!) {
          createRole(input: $input) {
            id
          }
        }
      `,
      { input: { name: 'Researchers', capabilities: ['agent', 'shell', 'web'] } },
    );
    expect(researchers.errors).toBeUndefined();
    const owner = await signedInContext(ownerSession);
    const page = await owner.newPage();
    await open(page, '/folders', 'Folders');
    const network = page.getByRole('region', { name: 'Network' });
    await network.getByText('No web host is allowed').waitFor();
    expect(await network.getByTestId('web-hosts-audience').textContent()).toBe(
      'Applies to people whose roles grant Web access: Researchers.',
    );
    const savedHosts = async () =>
      (
        await api.prisma.governanceSettings.findUnique({
          where: { organizationId },
          select: { webAllowedHosts: true },
        })
      )?.webAllowedHosts ?? [];

    // The browser applies the API's own rule (libs/policy isWebHost) and names what to leave out.
    const form = network.getByRole('form', { name: 'Allow a web host' });
    const host = form.getByRole('textbox', { name: 'Web host' });
    for (const [typed, problem] of [
      ['https://pypi.org', 'Leave out the scheme'],
      ['pypi.org:443', 'Leave out the port'],
      ['pypi.org/simple', 'Leave out the path'],
      ['*', 'A bare * would open the whole web'],
      ['*.*.com', 'Letters, digits, hyphens and dots only'],
    ]) {
      await host.fill(typed);
      await form.getByText(problem).waitFor();
    }
    expect(await seriousViolations(page)).toEqual([]);
    // In dark too, once the switch's colour transitions have run (axe reads colours mid-way).
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForFunction(
      `document.documentElement.dataset.mantineColorScheme === 'dark' && document.getAnimations().length === 0`,
    );
    expect(await seriousViolations(page)).toEqual([]);
    await page.emulateMedia({ colorScheme: 'light' });
    await form.getByRole('button', { name: 'Allow host' }).click();
    expect(await savedHosts()).toEqual([]);

    // Saved as the API keeps it: trimmed and lower-case.
    await host.fill(' PyPI.org ');
    await form.getByRole('button', { name: 'Allow host' }).click();
    const hosts = network.getByRole('table', { name: 'Web hosts' });
    await hosts.getByText('pypi.org', { exact: true }).waitFor();
    await host.fill('*.example.com');
    await form.getByRole('button', { name: 'Allow host' }).click();
    await hosts.getByText('*.example.com', { exact: true }).waitFor();
    expect(await savedHosts()).toEqual(['*.example.com', 'pypi.org']);
    await host.fill('pypi.org');
    await form.getByText('Already on the list').waitFor();
    await host.fill('https://files.pythonhosted.org');
    await form.getByText('Leave out the scheme').waitFor();
    await network.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'folders-network.png') });

    // Removing asks first; cancelling keeps the host.
    await network.getByRole('button', { name: 'Remove pypi.org' }).click();
    const confirm = page.getByRole('dialog', { name: 'Remove pypi.org?' });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    expect(await savedHosts()).toEqual(['*.example.com', 'pypi.org']);
    await network.getByRole('button', { name: 'Remove pypi.org' }).click();
    await confirm.getByRole('button', { name: 'Remove host' }).click();
    await hosts.getByText('pypi.org', { exact: true }).waitFor({ state: 'detached' });
    expect(await savedHosts()).toEqual(['*.example.com']);
    await owner.close();

    // An auditor reads the list with nothing to change it.
    const auditor = await signedInContext(await signInAdmin(api, organizationId, 'auditor'));
    const auditorPage = await auditor.newPage();
    await open(auditorPage, '/folders', 'Folders');
    const readOnly = auditorPage.getByRole('region', { name: 'Network' });
    await readOnly
      .getByRole('table', { name: 'Web hosts' })
      .getByText('*.example.com', { exact: true })
      .waitFor();
    expect(await readOnly.getByRole('form').count()).toBe(0);
    expect(await readOnly.getByRole('button').count()).toBe(0);
    await auditor.close();

    const deleted = await graphql(
      api,
      ownerSession,
      'mutation ($id: ID!) { deleteRole(id: $id) }',
      {
        id: researchers.data?.createRole.id,
      },
    );
    expect(deleted.errors).toBeUndefined();
    await api.jobs.drain();
  });

  it('edits the endpoint spend settings: checked as typed, the API’s refusal shown, saved as the API keeps them', async () => {
    const saved = async () => {
      const row = await api.prisma.governanceSettings.findUnique({
        where: { organizationId },
        select: { leaseRequired: true, maxLeaseUsd: true, offlineAllowanceUsd: true },
      });
      return row
        ? [row.leaseRequired, row.maxLeaseUsd.toFixed(), row.offlineAllowanceUsd.toFixed()]
        : [true, '1', '0'];
    };
    const owner = await signedInContext(await signInAdmin(api, organizationId, 'owner'));
    const page = await owner.newPage();
    await open(page, '/spend', 'Spend');
    const form = page
      .getByRole('region', { name: 'Endpoint spend settings' })
      .getByRole('form', { name: 'Endpoint spend settings' });
    const lease = form.getByRole('textbox', { name: 'Lease per model call (USD)' });
    const allowance = form.getByRole('textbox', { name: 'Offline allowance (USD)' });
    expect(await form.getByRole('switch', { name: /Require a lease/ }).isChecked()).toBe(true);
    expect([await lease.inputValue(), await allowance.inputValue()]).toEqual(['1', '0']);

    for (const [typed, problem] of [
      ['0', 'More than zero'],
      ['$1.50', 'Digits with at most 6 decimals'],
      ['0.1234567', 'Digits with at most 6 decimals'],
    ]) {
      await lease.fill(typed);
      await form.getByText(problem).waitFor();
    }
    // An allowance below one lease lets no offline call through; a smaller lease makes it fit.
    await lease.fill('0.5');
    await allowance.fill('0.25');
    const belowLease = form.getByText('0 for no model calls offline, or at least one lease');
    await belowLease.waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await form.getByRole('button', { name: 'Save spend settings' }).click();
    expect(await saved()).toEqual([true, '1', '0']);
    await lease.fill('0.2');
    await belowLease.waitFor({ state: 'detached' });

    // The console leaves the upper bounds to the API and shows its refusal.
    await lease.fill('150');
    await allowance.fill('0');
    await form.getByRole('button', { name: 'Save spend settings' }).click();
    await form.getByRole('alert').getByText('at most 100 USD').waitFor();
    expect(await saved()).toEqual([true, '1', '0']);

    await lease.fill('0.50');
    await allowance.fill('2');
    await form.getByRole('button', { name: 'Save spend settings' }).click();
    // Shown as the API keeps it: 0.50 is 0.5.
    await page.getByText('Endpoint spend settings saved').waitFor();
    await page.waitForFunction(
      (input) => (input as { value?: string } | null)?.value === '0.5',
      await lease.elementHandle(),
    );
    expect(await saved()).toEqual([true, '0.5', '2']);
    expect(await form.getByRole('alert').count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await owner.close();

    // Auditors and billing admins read the settings with nothing to change them.
    for (const role of ['auditor', 'billing'] as const) {
      const context = await signedInContext(await signInAdmin(api, organizationId, role));
      const readOnly = await context.newPage();
      await open(readOnly, '/spend', 'Spend');
      const section = readOnly.getByRole('region', { name: 'Endpoint spend settings' });
      const table = section.getByRole('table', { name: 'Endpoint spend settings' });
      await table.getByText('0.5 USD', { exact: true }).waitFor();
      await table.getByText('2 USD per bundle version').waitFor();
      expect(await section.getByRole('form').count()).toBe(0);
      expect(await section.getByRole('button').count()).toBe(0);
      await context.close();
    }
    await api.jobs.drain();
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
    const photographedDark = ['overview', 'folders', 'endpoints'];
    for (const screen of SCREENS) {
      await open(page, screen.path, screen.heading);
      await page.waitForLoadState('networkidle');
      const violations = await seriousViolations(page);
      if (violations.length) problems[`${screen.name} (dark)`] = violations;
      if (photographedDark.includes(screen.name)) {
        await page.screenshot({ path: path.join(SCREENSHOTS, `${screen.name}-dark.png`) });
      }
    }
    expect(problems).toEqual({});
    await context.close();
  }, 300_000);

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
    await carol.getByRole('link', { name: 'Carol Jones' }).click();
    await page.getByRole('heading', { level: 1, name: 'Carol Jones' }).waitFor();
    const policy = page.getByRole('table', { name: 'effective capabilities' });
    await policy
      .getByRole('row', { name: /^Agent/ })
      .getByText('deny')
      .waitFor();
    await page.getByRole('textbox', { name: 'Connector' }).fill('crm');
    await page.getByRole('textbox', { name: 'Tool' }).fill('delete_contact');
    await page.getByRole('button', { name: 'Explain tool' }).click();
    await page.getByTestId('tool-explanation').getByText('deny').waitFor();
    await open(page, '/people', 'People & groups');
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
