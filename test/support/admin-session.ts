import { AdminRole } from '../../apps/admin-api/src/generated/prisma/enums';
import {
  CSRF_HEADER,
  SESSION_COOKIE,
  CSRF_COOKIE,
} from '../../apps/admin-api/src/modules/auth/admin-principal';
import { SessionsService } from '../../apps/admin-api/src/modules/auth/sessions.service';
import { TestApi } from './api';

export interface AdminSession {
  adminId: string;
  organizationId: string;
  // Headers a signed-in console sends: the cookies and the CSRF header.
  headers: Record<string, string>;
}

// A signed-in admin of `organizationId` with `role`, as if they had come through SAML.
export async function signInAdmin(
  api: TestApi,
  organizationId: string,
  role: AdminRole,
  email = `${role}-${Math.random().toString(36).slice(2, 8)}@example.com`,
): Promise<AdminSession> {
  const admin = await api.prisma.admin.create({
    data: { organizationId, email, role, source: 'saml' },
  });
  const session = await api.get(SessionsService).start(organizationId, admin.id);
  return {
    adminId: admin.id,
    organizationId,
    headers: {
      cookie: `${SESSION_COOKIE}=${session.token}; ${CSRF_COOKIE}=${session.csrfToken}`,
      [CSRF_HEADER]: session.csrfToken,
    },
  };
}

export interface GraphQLResponse<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export async function graphql<T = Record<string, unknown>>(
  api: TestApi,
  session: AdminSession | null,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphQLResponse<T>> {
  const response = await fetch(`${api.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(session?.headers ?? {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse<T>;
}
