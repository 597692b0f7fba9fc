import { CredentialsService } from '../../apps/admin-api/src/modules/credentials/credentials.service';
import { OrganizationsService } from '../../apps/admin-api/src/modules/organizations/organizations.service';
import type { TestApi } from '../support/api';

export const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export interface ScimResponse {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface ScimClient {
  organizationId: string;
  secret: string;
  request(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ScimResponse>;
}

// An organization with a SCIM token, and a client that talks to /scim/v2 as an IdP does.
export async function scimClient(api: TestApi, name = 'Acme'): Promise<ScimClient> {
  const organization = await api.get(OrganizationsService).create(name, { type: 'operator' });
  const { secret } = await api
    .get(CredentialsService)
    .issue(organization.id, 'scim', { actor: { type: 'operator' } });
  return {
    organizationId: organization.id,
    secret,
    async request(method, path, body, headers = {}) {
      const response = await fetch(`${api.url}/scim/v2${path}`, {
        method,
        headers: {
          authorization: `Bearer ${secret}`,
          ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}),
          ...headers,
        },
        body:
          body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      return {
        status: response.status,
        headers: response.headers,
        body: text ? JSON.parse(text) : undefined,
      };
    },
  };
}

let counter = 0;

// A user as Okta provisions one.
export function oktaUser(overrides: Record<string, unknown> = {}) {
  counter += 1;
  const userName = `user${counter}.${Date.now()}@example.com`;
  return {
    schemas: [USER],
    userName,
    name: { givenName: 'Ada', familyName: `Lovelace${counter}` },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: `Ada Lovelace ${counter}`,
    locale: 'en-US',
    externalId: `00u${counter}`,
    groups: [],
    password: 'ignored-Secret-1',
    active: true,
    ...overrides,
  };
}

// A user as Microsoft Entra ID provisions one.
export function entraUser(overrides: Record<string, unknown> = {}) {
  counter += 1;
  const userName = `entra${counter}.${Date.now()}@contoso.com`;
  return {
    schemas: [USER, ENTERPRISE],
    externalId: `entra-${counter}`,
    userName,
    active: true,
    displayName: `Grace Hopper ${counter}`,
    title: 'Engineer',
    emails: [{ primary: true, type: 'work', value: userName }],
    name: { formatted: 'Grace Hopper', familyName: 'Hopper', givenName: 'Grace' },
    phoneNumbers: [{ type: 'mobile', value: '+1 555 0100' }],
    addresses: [{ type: 'work', country: 'US', locality: 'Arlington', primary: false }],
    [ENTERPRISE]: {
      department: 'Research',
      employeeNumber: `E${counter}`,
      manager: { value: 'mgr-1' },
    },
    ...overrides,
  };
}
