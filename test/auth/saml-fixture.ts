import { AdminRole } from '../../apps/admin-api/src/generated/prisma/enums';
import { OrganizationsService } from '../../apps/admin-api/src/modules/organizations/organizations.service';
import { AdminSession, graphql, signInAdmin } from '../support/admin-session';
import { TestApi } from '../support/api';
import {
  AssertionOptions,
  assertionXml,
  encode,
  IdpKeyPair,
  responseXml,
  sign,
} from '../support/saml-idp';

export interface SamlOrganization {
  id: string;
  slug: string;
  owner: AdminSession;
  entityId: string;
  acsUrl: string;
  idpEntityId: string;
}

// An organization whose owner has set up SAML with `keys`' certificate and mapped IdP groups to
// roles, through the GraphQL API the console uses.
export async function samlOrganization(
  api: TestApi,
  name: string,
  keys: IdpKeyPair,
  mappings: Record<string, AdminRole> = { 'steward-owners': 'owner', 'steward-admins': 'admin' },
  idpEntityId = 'https://idp.example.test/saml',
): Promise<SamlOrganization> {
  const organization = await api.get(OrganizationsService).create(name, { type: 'operator' });
  const owner = await signInAdmin(api, organization.id, 'owner');
  const configured = await graphql<{
    configureSaml: { serviceProvider: { entityId: string; acsUrl: string } };
  }>(
    api,
    owner,
    `
      mutation ($input: SamlConnectionInput!) {
        configureSaml(input: $input) {
          serviceProvider {
            entityId
            acsUrl
          }
        }
      }
    `,
    {
      input: {
        idpEntityId,
        ssoUrl: 'https://idp.example.test/sso',
        signingCertificates: [keys.certificate],
      },
    },
  );
  if (!configured.data) throw new Error(JSON.stringify(configured.errors));
  for (const [idpGroup, role] of Object.entries(mappings)) {
    const mapped = await graphql(
      api,
      owner,
      `
        mutation ($g: String!, $r: AdminRole!) {
          setAdminRoleMapping(idpGroup: $g, role: $r) {
            id
          }
        }
      `,
      { g: idpGroup, r: role },
    );
    if (!mapped.data) throw new Error(JSON.stringify(mapped.errors));
  }
  return {
    id: organization.id,
    slug: organization.slug,
    owner,
    idpEntityId,
    ...configured.data.configureSaml.serviceProvider,
  };
}

export function assertionFor(
  organization: SamlOrganization,
  options: Partial<AssertionOptions> = {},
): AssertionOptions {
  return {
    idpEntityId: organization.idpEntityId,
    audience: organization.entityId,
    recipient: organization.acsUrl,
    email: 'pat@example.com',
    groups: ['steward-admins'],
    ...options,
  };
}

// A SAML response as the organization's IdP sends it: one assertion, the whole response signed.
export function signedResponse(
  organization: SamlOrganization,
  keys: IdpKeyPair,
  options: Partial<AssertionOptions> = {},
): string {
  const assertion = assertionFor(organization, options);
  return encode(sign(responseXml(assertion, [assertionXml(assertion)]), 'Response', keys));
}

export function postToAcs(
  api: TestApi,
  slug: string,
  samlResponse: string,
  relayState?: string,
): Promise<Response> {
  return fetch(`${api.url}/auth/saml/${slug}/acs`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      SAMLResponse: samlResponse,
      ...(relayState ? { RelayState: relayState } : {}),
    }).toString(),
  });
}

export function sessionCookieOf(response: Response): string | null {
  const cookies = response.headers.getSetCookie();
  if (!cookies.some((cookie) => cookie.startsWith('steward_session='))) return null;
  return cookies.map((cookie) => cookie.split(';')[0]).join('; ');
}

export async function viewerWith(api: TestApi, cookie: string) {
  const response = await fetch(`${api.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ query: '{ viewer { email role organization { slug } } }' }),
  });
  return ((await response.json()) as { data: { viewer: unknown } }).data.viewer;
}

export async function lastFailure(api: TestApi, organizationId: string) {
  const event = await api.prisma.auditEvent.findFirst({
    where: { organizationId, action: 'admin.sign_in_failed' },
    orderBy: { seq: 'desc' },
  });
  return event?.data as Record<string, unknown> | undefined;
}
