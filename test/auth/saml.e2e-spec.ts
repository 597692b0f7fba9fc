import { OrganizationsService } from '../../apps/admin-api/src/modules/organizations/organizations.service';
import { graphql } from '../support/admin-session';
import { startTestApi, TestApi } from '../support/api';
import { authnRequestId, generateIdpKeyPair, IdpKeyPair } from '../support/saml-idp';
import {
  lastFailure,
  postToAcs,
  samlOrganization,
  sessionCookieOf,
  signedResponse,
  viewerWith,
} from './saml-fixture';

describe('admin sign-in with SAML', () => {
  let api: TestApi;
  let idp: IdpKeyPair;

  beforeAll(async () => {
    api = await startTestApi();
    idp = generateIdpKeyPair();
  });

  afterAll(() => api.close());

  it('serves SP metadata naming the entity id and the ACS', async () => {
    const organization = await samlOrganization(api, 'Metadata Co', idp);
    const response = await fetch(`${api.url}/auth/saml/${organization.slug}/metadata`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/xml/);
    const xml = await response.text();
    expect(xml).toContain(`entityID="${organization.entityId}"`);
    expect(xml).toMatch(
      new RegExp(
        `AssertionConsumerService[^>]*Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"[^>]*Location="${organization.acsUrl}"`,
      ),
    );
    expect((await fetch(`${api.url}/auth/saml/no-such-org/metadata`)).status).toBe(404);
  });

  it('signs in SP-initiated: redirect to the IdP, signed response back, session with the mapped role', async () => {
    const organization = await samlOrganization(api, 'Sp Initiated Co', idp);
    const login = await fetch(
      `${api.url}/auth/saml/${organization.slug}/login?returnTo=/directory`,
      { redirect: 'manual' },
    );
    expect(login.status).toBe(303);
    const location = login.headers.get('location')!;
    expect(location.startsWith('https://idp.example.test/sso?SAMLRequest=')).toBe(true);
    expect(new URL(location).searchParams.get('RelayState')).toBe('/directory');
    const requestId = authnRequestId(location);

    const acs = await postToAcs(
      api,
      organization.slug,
      signedResponse(organization, idp, { inResponseTo: requestId, email: 'Sam@Example.com' }),
      '/directory',
    );
    expect(acs.status).toBe(303);
    expect(acs.headers.get('location')).toBe('/directory');
    const setCookie = acs.headers.getSetCookie().find((c) => c.startsWith('steward_session='));
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(await viewerWith(api, sessionCookieOf(acs)!)).toEqual({
      email: 'sam@example.com',
      role: 'admin',
      organization: { slug: organization.slug },
    });
    const signedIn = await api.prisma.auditEvent.findFirst({
      where: { organizationId: organization.id, action: 'admin.signed_in' },
      orderBy: { seq: 'desc' },
    });
    expect(signedIn?.data).toMatchObject({ method: 'saml', initiatedBy: 'sp', role: 'admin' });
  });

  it('signs in IdP-initiated (no InResponseTo) and never sends the browser off-site afterwards', async () => {
    const organization = await samlOrganization(api, 'Idp Initiated Co', idp);
    const acs = await postToAcs(
      api,
      organization.slug,
      signedResponse(organization, idp, { groups: ['steward-owners'] }),
      'https://evil.example/steal',
    );
    expect(acs.status).toBe(303);
    expect(acs.headers.get('location')).toBe('/');
    expect(await viewerWith(api, sessionCookieOf(acs)!)).toMatchObject({ role: 'owner' });
  });

  it('gives the highest role when several groups map, and records a role change at sign-in', async () => {
    const organization = await samlOrganization(api, 'Highest Role Co', idp, {
      finance: 'billing',
      'it-admins': 'admin',
      security: 'auditor',
    });
    const first = await postToAcs(
      api,
      organization.slug,
      signedResponse(organization, idp, { groups: ['finance', 'security', 'it-admins', 'x'] }),
    );
    expect(await viewerWith(api, sessionCookieOf(first)!)).toMatchObject({ role: 'admin' });

    const second = await postToAcs(
      api,
      organization.slug,
      signedResponse(organization, idp, { groups: ['finance'] }),
    );
    expect(await viewerWith(api, sessionCookieOf(second)!)).toMatchObject({ role: 'billing' });
    const change = await api.prisma.auditEvent.findFirst({
      where: { organizationId: organization.id, action: 'admin.role_changed' },
    });
    expect(change?.data).toMatchObject({
      email: 'pat@example.com',
      from: 'admin',
      to: 'billing',
      cause: 'idp_groups_at_sign_in',
    });
    // The earlier session follows the admin's current role.
    expect(await viewerWith(api, sessionCookieOf(first)!)).toMatchObject({ role: 'billing' });
  });

  it('refuses an admin none of whose groups maps to a role, with a clear page, an audit record and their old sessions ended', async () => {
    const organization = await samlOrganization(api, 'Unmapped Co', idp);
    // Signed in while still in an admin group...
    const earlier = await postToAcs(api, organization.slug, signedResponse(organization, idp));
    expect(await viewerWith(api, sessionCookieOf(earlier)!)).toMatchObject({ role: 'admin' });
    // ...then the IdP no longer lists one.
    const acs = await postToAcs(
      api,
      organization.slug,
      signedResponse(organization, idp, { groups: ['engineering', 'everyone'] }),
    );
    expect(acs.status).toBe(403);
    expect(sessionCookieOf(acs)).toBeNull();
    const page = await acs.text();
    expect(page).toContain('none of your groups (engineering, everyone) gives an admin role');
    expect(await lastFailure(api, organization.id)).toMatchObject({
      code: 'no_mapped_group',
      sessionsRevoked: 1,
    });
    expect(await viewerWith(api, sessionCookieOf(earlier)!)).toBeNull();
  });

  it('closes the first-run bootstrap link once SAML has signed someone in', async () => {
    const organizations = api.get(OrganizationsService);
    const organization = await samlOrganization(api, 'Bootstrap Closing Co', idp);
    const link = (await organizations.issueBootstrapLink(
      (await organizations.findById(organization.id))!,
    ))!;

    const acs = await postToAcs(api, organization.slug, signedResponse(organization, idp));
    expect(acs.status).toBe(303);

    const refreshed = (await organizations.findById(organization.id))!;
    expect(refreshed.bootstrapDisabledAt).toBeInstanceOf(Date);
    expect(await organizations.issueBootstrapLink(refreshed)).toBeNull();
    const bootstrap = await fetch(link.replace(api.config.PUBLIC_URL, api.url), {
      redirect: 'manual',
    });
    expect(bootstrap.status).toBe(403);
    expect(await bootstrap.text()).toMatch(/disabled/);
    expect(
      await api.prisma.auditEvent.count({
        where: { organizationId: organization.id, action: 'organization.bootstrap_disabled' },
      }),
    ).toBe(1);
    const settings = await graphql<{ samlSettings: { bootstrapDisabledAt: string | null } }>(
      api,
      organization.owner,
      '{ samlSettings { bootstrapDisabledAt connection { lastSignInAt } } }',
    );
    expect(settings.data?.samlSettings.bootstrapDisabledAt).not.toBeNull();
  });

  it('sends SP-initiated sign-in to a clear page when SAML is not set up', async () => {
    const organization = await api
      .get(OrganizationsService)
      .create('No Saml Co', { type: 'operator' });
    const login = await fetch(`${api.url}/auth/saml/${organization.slug}/login`, {
      redirect: 'manual',
    });
    expect(login.status).toBe(404);
    expect(await login.text()).toContain('no SAML identity provider yet');
  });
});
