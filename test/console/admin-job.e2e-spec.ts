import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { CredentialsService } from '../../apps/admin-api/src/modules/credentials/credentials.service';
import { OrganizationsService } from '../../apps/admin-api/src/modules/organizations/organizations.service';
import { signInAdmin, type AdminSession } from '../support/admin-session';
import { startTestApi, type TestApi } from '../support/api';
import { launchBrowser } from '../support/browser';
import { certificateBody, generateIdpKeyPair, idpMetadataXml } from '../support/saml-idp';
import {
  openScreen,
  seriousViolations,
  signedInContext,
  useColorScheme,
} from '../support/console-page';

// An IT admin's whole job in the console, in Debian's Chromium against the real API, without
// typing an id: the identity provider provisions people by SCIM with a token made in the console,
// a role is created, bound to a group picked by name, the team gets a budget, a connector's write
// tools are restricted, the audit log says who changed the role, and its export downloads with the
// console session.
const ROOT = path.resolve(__dirname, '../..');
const SCREENSHOTS = path.join(ROOT, 'docs/screenshots');
const CATALOGUE = JSON.stringify({
  tools: [
    { name: 'search_issues', annotations: { readOnlyHint: true } },
    { name: 'close_issue', annotations: { destructiveHint: true } },
  ],
});

jest.setTimeout(180_000);

describe('console: an admin’s whole job, by name', () => {
  let api: TestApi;
  let browser: Browser;
  let organizationId: string;
  let owner: AdminSession;
  let ownerEmail: string;

  beforeAll(async () => {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { stdio: 'ignore' });
    // The organization's IdP is an internal one (on this host): its operator lets the API reach
    // private addresses to fetch the IdP's metadata.
    [api, browser] = await Promise.all([
      startTestApi({ STEWARD_ALLOW_PRIVATE_CONNECTOR_IMPORT: 'true' }),
      launchBrowser(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  // Picks by typing part of a name, as an admin does.
  async function pick(page: Page, label: string, typed: string, option: RegExp) {
    // A success notification may sit over the dropdown, as it would for a person: dismiss it.
    for (const dismiss of await page.getByRole('button', { name: 'Dismiss' }).all()) {
      await dismiss.click();
    }
    await page.getByRole('combobox', { name: label }).fill(typed);
    await page.getByRole('option', { name: option }).click();
  }

  // The form filled from the IdP's metadata URL, which the API fetches; a wrong URL says why.
  async function fillFromMetadataUrl(page: Page) {
    const idp = page.getByRole('form', { name: 'Identity provider' });
    const keys = generateIdpKeyPair('Url IdP');
    const metadata = idpMetadataXml({
      entityId: 'https://sts.windows.net/job/',
      ssoUrl: 'https://login.example.test/job/saml2',
      signing: [keys],
      encryption: generateIdpKeyPair('Url IdP encryption'),
    });
    const server = http.createServer((request, response) => {
      response.writeHead(request.url === '/metadata' ? 200 : 404).end(metadata);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const url = idp.getByRole('textbox', { name: /IdP metadata URL/ });
      await url.fill(`${base}/wrong`);
      await idp.getByRole('button', { name: 'Fetch from URL' }).click();
      await idp.getByText(`${base}/wrong answered HTTP 404`).waitFor();
      await url.fill(`${base}/metadata`);
      await idp.getByRole('button', { name: 'Fetch from URL' }).click();
      const ssoUrl = idp.getByRole('textbox', { name: 'SSO URL' });
      for (let tries = 0; (await ssoUrl.inputValue()) !== 'https://login.example.test/job/saml2';) {
        if (++tries > 200) throw new Error('the form was not filled from the metadata URL');
        await page.waitForTimeout(50);
      }
      expect(await idp.getByRole('textbox', { name: 'IdP entity ID' }).inputValue()).toBe(
        'https://sts.windows.net/job/',
      );
      expect(
        await idp.getByRole('textbox', { name: 'Signing certificate', exact: true }).inputValue(),
      ).toBe(certificateBody(keys.certificate));
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }

  async function scim(token: string, resource: string, body: Record<string, unknown>) {
    const response = await fetch(`${api.url}/scim/v2/${resource}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string };
  }

  it('provisions, governs, budgets, restricts and audits without an id', async () => {
    const org = await api
      .get(OrganizationsService)
      .create(`Job ${Math.random().toString(36).slice(2, 8)}`, { type: 'operator' });
    organizationId = org.id;
    const suffix = org.id.slice(0, 6);
    ownerEmail = `it-${suffix}@example.com`;
    owner = await signInAdmin(api, org.id, 'owner', ownerEmail);
    const context = await signedInContext(browser, api, owner);
    const page = await context.newPage();

    // A SCIM token made in the console; the identity provider provisions two engineers and their
    // group with it.
    await openScreen(page, api, '/settings', 'Settings');
    const create = page.getByRole('form', { name: 'Create credential' });
    await create.getByRole('textbox', { name: 'Credential name' }).fill('Okta provisioning');
    await create.getByRole('button', { name: 'Create' }).click();
    const token = (await page.getByTestId('secret-once').textContent())!.trim();
    expect(token).toMatch(/^stw_scim_/);
    const engineers = await Promise.all(
      ['dana', 'erin'].map((name) =>
        scim(token, 'Users', {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: `${name}-${suffix}@example.com`,
          displayName: `${name[0]!.toUpperCase()}${name.slice(1)} Engineer`,
          emails: [{ value: `${name}-${suffix}@example.com`, primary: true }],
          active: true,
        }),
      ),
    );
    await scim(token, 'Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Engineering',
      externalId: `okta-engineering-${suffix}`,
      members: engineers.map(({ id }) => ({ value: id })),
    });

    // The connector on the allow-list, its catalogue uploaded and approved.
    await openScreen(page, api, '/connectors', 'Connectors');
    await page.getByRole('button', { name: 'Add connector' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'Name' }).fill('tracker');
    await dialog.getByRole('textbox', { name: 'Version' }).fill('2.0.0');
    await dialog.getByRole('textbox', { name: 'Command' }).fill('npx -y @acme/tracker-mcp');
    await dialog.getByRole('button', { name: 'Add to allow-list' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByLabel('Tool catalogue (JSON)').fill(CATALOGUE);
    await page.getByRole('button', { name: 'Import pasted catalogue' }).click();
    await page.getByRole('button', { name: 'Approve this catalogue' }).click();
    await page.getByTestId('drift-alert').waitFor({ state: 'detached' });

    // A role with the connector, bound to Engineering picked by name.
    await openScreen(page, api, '/roles', 'Roles');
    await page.getByRole('button', { name: 'New role' }).click();
    await page.getByRole('textbox', { name: 'Name' }).fill('Engineers');
    await page.getByRole('checkbox', { name: /^Connectors/ }).check();
    await page.getByRole('checkbox', { name: 'tracker' }).check();
    await page.getByRole('combobox', { name: 'tracker write tools' }).click();
    await page.getByRole('option', { name: 'Allow' }).click();
    await page.getByRole('button', { name: 'Create role' }).click();
    await page.getByRole('heading', { level: 2, name: 'Engineers' }).waitFor();
    await pick(page, 'Group to bind', 'engin', /^Engineering\s*2 members/);
    await page.getByRole('button', { name: 'Bind', exact: true }).click();
    const bindings = page.getByRole('table', { name: 'Bindings of Engineers' });
    await bindings.getByRole('link', { name: 'Engineering' }).waitFor();
    expect(await bindings.textContent()).toContain('2 members');

    // The team's budget, its group picked by name; the limit is listed by name.
    await openScreen(page, api, '/spend', 'Spend');
    const limitForm = page.getByRole('form', { name: 'Add spend limit' });
    await pick(page, 'Group', 'Eng', /^Engineering/);
    await limitForm.getByRole('textbox', { name: 'Amount (USD)' }).fill('250');
    await limitForm.getByRole('button', { name: 'Add' }).click();
    await page
      .getByRole('table', { name: 'spend limits' })
      .getByRole('link', { name: 'Engineering' })
      .waitFor();

    // The connector's write tools restricted for the role.
    await openScreen(page, api, '/roles', 'Roles');
    await page.getByRole('button', { name: 'Engineers' }).click();
    await page.getByRole('combobox', { name: 'tracker write tools' }).click();
    await page.getByRole('option', { name: 'Deny' }).click();
    await page.getByRole('button', { name: 'Save and publish' }).click();
    await page.getByText('Role saved; affected people get a new policy').waitFor();

    // Loosening it again would show as a gain for both engineers (previewed, not saved).
    await page.getByRole('combobox', { name: 'tracker write tools' }).click();
    await page.getByRole('option', { name: 'Allow' }).click();
    await page.getByRole('button', { name: 'Preview affected people' }).click();
    const dana = page.getByTestId('affected-users').getByRole('row').filter({ hasText: 'dana-' });
    expect(await dana.getByRole('cell').nth(1).textContent()).toContain(
      'tracker · close_issue: deny → allow',
    );
    expect(await dana.getByRole('cell').nth(2).textContent()).not.toContain('close_issue');

    // The group's page: its members, the role and where it comes from, the team budget.
    await bindings.getByRole('link', { name: 'Engineering' }).click();
    await page.getByRole('heading', { level: 1, name: 'Engineering' }).waitFor();
    await page.getByRole('table', { name: 'members' }).getByText('Dana Engineer').waitFor();
    await page.getByRole('table', { name: 'roles held' }).getByText('Engineers').waitFor();
    await page
      .getByRole('table', { name: 'spend limits' })
      .getByText('$250.00 per month')
      .waitFor();
    await page.getByRole('link', { name: 'Dana Engineer' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dana Engineer' }).waitFor();
    await page
      .getByRole('table', { name: 'roles held' })
      .getByRole('row', { name: /Engineers/ })
      .getByText('Engineering')
      .waitFor();

    // The audit log: who changed the role, found with filters picked by name.
    await openScreen(page, api, '/audit', 'Audit');
    await pick(page, 'Who', 'it-', new RegExp(`it-${suffix}@example.com`));
    await pick(page, 'What', 'changed', /^Role changed$/);
    const log = page.getByRole('table', { name: 'Audit log' });
    const change = log.getByRole('row').filter({ hasText: 'changed role' });
    await change.getByRole('link', { name: 'Engineers' }).waitFor();
    // The server filters: the admin's other changes leave the table once it answers.
    await log.getByRole('row').filter({ hasText: 'created role' }).waitFor({ state: 'detached' });
    expect(await log.getByRole('row').count()).toBe(2);
    expect(await change.textContent()).toContain(`it-${suffix}@example.com`);
    expect(await log.textContent()).not.toContain('bound role');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'audit-filtered.png') });

    // The export of exactly those records, downloaded with the console session.
    await page.getByRole('button', { name: 'Export matching records' }).click();
    const downloadButton = page.getByRole('link', { name: /^Download 1 records/ });
    await downloadButton.waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), downloadButton.click()]);
    const lines = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      action: 'governance.role.updated',
      actorType: 'admin',
    });
    await context.close();
  });

  it('shows the set-up as it is: checklist, provisioning, admins, SSO from metadata with its expiry', async () => {
    const context = await signedInContext(browser, api, owner);
    const page = await context.newPage();

    // The checklist reflects what the organization holds: SCIM people, a bound role and a
    // connector rule are there; SSO, an endpoint and telemetry are not.
    await openScreen(page, api, '/', 'Overview');
    const checklist = page.getByRole('region', { name: 'Getting started' });
    await checklist.getByText('3 of 6 done').waitFor();
    for (const [step, state] of [
      ['Provision people and groups by SCIM', 'done'],
      ['Create a first role and bind it to a group', 'done'],
      ['Allow a connector', 'done'],
      ['Connect your identity provider', 'not yet'],
      ['Enrol a first endpoint', 'not yet'],
      ['Send agent telemetry', 'not yet'],
    ]) {
      expect(
        await checklist.getByRole('listitem').filter({ hasText: step }).textContent(),
      ).toContain(state);
    }

    // A request the identity provider got wrong (a filter cut short), kept for the console.
    const { secret } = await api
      .get(CredentialsService)
      .issue(organizationId, 'scim', { name: 'Entra provisioning', actor: { type: 'operator' } });
    const refused = await fetch(`${api.url}/scim/v2/Users?filter=userName%20sw`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(refused.status).toBe(400);
    for (let tries = 0; !(await api.prisma.scimRefusal.count({ where: { organizationId } }));) {
      if (++tries > 200) throw new Error('the refusal was not kept');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    // Provisioning: the base URL to give the IdP, its tokens, what it changed last, what it was
    // refused and why.
    await page
      .getByRole('navigation', { name: 'Console' })
      .getByRole('link', { name: 'Provisioning' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Provisioning' }).waitFor();
    expect(await page.getByTestId('scim-base-url').textContent()).toMatch(
      /^https?:\/\/.+\/scim\/v2$/,
    );
    const tokens = page.getByRole('region', { name: 'SCIM tokens' });
    await tokens.getByRole('cell', { name: 'Okta provisioning', exact: true }).waitFor();
    expect(await tokens.getByRole('combobox', { name: 'Credential type' }).count()).toBe(0);
    const latest = page.getByRole('region', { name: 'Latest provisioning' });
    await latest.getByRole('row').filter({ hasText: 'created person' }).first().waitFor();
    expect(await latest.textContent()).toContain('Identity provider (SCIM)');
    const refusals = page.getByRole('table', { name: 'refused SCIM requests' });
    await refusals.getByText('GET /scim/v2/Users?filter=userName%20sw').waitFor();
    await refusals.getByText('400 invalidFilter').waitFor();

    // Settings: the admins, and the IdP set up from its metadata; its short-lived certificate
    // is flagged before it expires.
    await openScreen(page, api, '/settings', 'Settings');
    const admins = page.getByRole('table', { name: 'admins' });
    await admins.getByRole('row').filter({ hasText: ownerEmail }).getByText('Owner').waitFor();
    await admins.getByText('(this session)').waitFor();
    const idp = page.getByRole('form', { name: 'Identity provider' });
    await fillFromMetadataUrl(page);
    await idp.getByRole('textbox', { name: /IdP metadata XML/ }).fill('<EntityDescriptor/>');
    await idp.getByRole('button', { name: 'Fill from metadata' }).click();
    await idp.getByText('No identity provider (IDPSSODescriptor) in this metadata').waitFor();
    const { certificate } = generateIdpKeyPair('Metadata IdP');
    const body = certificate.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, '');
    await idp.getByRole('textbox', { name: /IdP metadata XML/ }).fill(
      `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="http://www.okta.com/exkJob">
        <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
          <md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
          <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://job.okta.com/app/sso/saml"/>
        </md:IDPSSODescriptor>
      </md:EntityDescriptor>`,
    );
    await idp.getByRole('button', { name: 'Fill from metadata' }).click();
    expect(await idp.getByRole('textbox', { name: 'SSO URL' }).inputValue()).toBe(
      'https://job.okta.com/app/sso/saml',
    );
    await idp.getByRole('button', { name: 'Save identity provider' }).click();
    await page
      .getByRole('table', { name: 'Single sign-on' })
      .getByText('CN=Metadata IdP')
      .waitFor();
    await page
      .getByTestId('certificate-expiry')
      .getByText(/CN=Metadata IdP expires on/)
      .waitFor();
    await page.getByRole('link', { name: 'Test sign-in in a new tab' }).waitFor();
    const connection = await api.prisma.samlConnection.findFirstOrThrow({
      where: { organizationId },
    });
    expect(connection.idpEntityId).toBe('http://www.okta.com/exkJob');
    await context.close();
  });

  it('shows a failing query’s error in its own section; the rest of the page and navigation stay', async () => {
    const context = await signedInContext(browser, api, owner);
    const page = await context.newPage();
    // One operation fails (spend budgets); every other request reaches the API.
    let failing = true;
    await page.route('**/graphql', async (route) => {
      if (failing && route.request().postData()?.includes('query SpendBudgets')) {
        await route.fulfill({
          status: 200,
          contentType: 'application/json',
          body: JSON.stringify({
            data: null,
            errors: [{ message: 'spend budgets are unavailable', extensions: { code: 'X' } }],
          }),
        });
      } else {
        await route.continue();
      }
    });

    await openScreen(page, api, '/', 'Overview');
    const spend = page.getByRole('region', { name: 'Spend against limits' });
    await spend.getByRole('alert').getByText('spend budgets are unavailable').waitFor();
    await page.getByRole('radiogroup', { name: 'Period' }).waitFor();
    await page.getByTestId('empty-state').waitFor();

    // The Spend screen: the limits fail in their place; the spend settings form still works.
    await page
      .getByRole('navigation', { name: 'Console' })
      .getByRole('link', { name: 'Spend' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Spend' }).waitFor();
    const limits = page.getByRole('region', { name: 'Limits and usage' });
    await limits.getByText('spend budgets are unavailable').waitFor();
    await page
      .getByRole('form', { name: 'Endpoint spend settings' })
      .getByRole('textbox', { name: 'Lease per model call (USD)' })
      .waitFor();
    await page.getByRole('form', { name: 'Add spend limit' }).waitFor();

    // Once the API answers again, the section's retry brings its data.
    failing = false;
    await limits.getByRole('button', { name: 'Try again' }).click();
    await limits.getByRole('link', { name: 'Engineering' }).waitFor();

    await page
      .getByRole('navigation', { name: 'Console' })
      .getByRole('link', { name: 'Roles' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Roles' }).waitFor();
    await context.close();
  });

  it('passes axe on the new screens in light and dark, and photographs them', async () => {
    const dana = await api.prisma.directoryUser.findFirstOrThrow({
      where: { organizationId, displayName: 'Dana Engineer' },
    });
    const group = await api.prisma.directoryGroup.findFirstOrThrow({
      where: { organizationId, displayName: 'Engineering' },
    });
    const screens = [
      { name: 'person', path: `/people/${dana.id}`, heading: 'Dana Engineer' },
      { name: 'group', path: `/groups/${group.id}`, heading: 'Engineering' },
      { name: 'audit-log', path: '/audit', heading: 'Audit' },
      { name: 'spend-limits', path: '/spend', heading: 'Spend' },
      { name: 'provisioning', path: '/provisioning', heading: 'Provisioning' },
      { name: 'settings-admins', path: '/settings', heading: 'Settings' },
    ];
    const context = await signedInContext(browser, api, owner);
    const page = await context.newPage();
    const problems: Record<string, unknown> = {};
    for (const scheme of ['light', 'dark'] as const) {
      for (const screen of screens) {
        await openScreen(page, api, screen.path, screen.heading);
        await page.waitForLoadState('networkidle');
        await useColorScheme(page, scheme);
        const violations = await seriousViolations(page);
        if (violations.length) problems[`${screen.name} (${scheme})`] = violations;
        if (scheme === 'light' && ['person', 'group', 'provisioning'].includes(screen.name)) {
          await page.screenshot({ path: path.join(SCREENSHOTS, `${screen.name}.png`) });
        }
      }
    }
    expect(problems).toEqual({});
    await context.close();
  });
});
