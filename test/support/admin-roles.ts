import { AdminRole } from '../../apps/admin-api/src/generated/prisma/enums';
import { ROLE_PRECEDENCE } from '../../apps/admin-api/src/modules/auth/admin-principal';
import { graphql, signInAdmin } from './admin-session';
import { TestApi } from './api';

// Role enforcement in tests. Each helper signs in one admin per role in `organizationId` and
// reports which roles got past the role check (anything but FORBIDDEN / 403), e.g.
//   expect(await graphqlRolesAllowed(api, org.id, '{ roles { id } }')).toEqual(['owner', 'admin', 'auditor']);
//   expect(await restRolesAllowed(api, org.id, 'DELETE', `/api/x/${id}`)).toEqual(['owner', 'admin']);
// Allowed roles really run the operation, so use reads, or writes that are harmless to repeat.

export async function graphqlRolesAllowed(
  api: TestApi,
  organizationId: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<AdminRole[]> {
  const allowed: AdminRole[] = [];
  for (const role of ROLE_PRECEDENCE) {
    const session = await signInAdmin(api, organizationId, role);
    const result = await graphql(api, session, query, variables);
    const forbidden = result.errors?.some((error) => error.extensions?.code === 'FORBIDDEN');
    if (!forbidden) allowed.push(role);
  }
  return allowed;
}

export async function restRolesAllowed(
  api: TestApi,
  organizationId: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<AdminRole[]> {
  const allowed: AdminRole[] = [];
  for (const role of ROLE_PRECEDENCE) {
    const session = await signInAdmin(api, organizationId, role);
    const response = await fetch(`${api.url}${path}`, {
      method,
      headers: {
        ...session.headers,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    await response.arrayBuffer();
    if (response.status !== 403) allowed.push(role);
  }
  return allowed;
}
