import { AdminRole } from '../../generated/prisma/enums';

export { AdminRole };

// Who is making a console or GraphQL request: resolved from the session cookie by AdminAuthGuard.
export interface AdminPrincipal {
  adminId: string;
  organizationId: string;
  role: AdminRole;
  email: string;
  sessionId: string;
}

// When several of an admin's IdP groups map to roles, the highest one wins.
export const ROLE_PRECEDENCE: readonly AdminRole[] = ['owner', 'admin', 'auditor', 'billing'];

export function highestRole(roles: AdminRole[]): AdminRole | null {
  return ROLE_PRECEDENCE.find((role) => roles.includes(role)) ?? null;
}

export const SESSION_COOKIE = 'steward_session';
export const CSRF_COOKIE = 'steward_csrf';
export const CSRF_HEADER = 'x-csrf-token';
