import type { Viewer } from '../features/auth/graphql/viewer';

// The console mirrors the API's admin roles; the API enforces them regardless.
// owner: everything; admin: everything but SAML and role mapping; auditor: read-only (may
// export the audit log); billing: spend and analytics only.
export type Area =
  | 'overview'
  | 'people'
  | 'roles'
  | 'connectors'
  | 'folders'
  | 'spend'
  | 'endpoints'
  | 'audit'
  | 'settings';

const BILLING_AREAS: readonly Area[] = ['overview', 'spend'];

export function canSee(viewer: Pick<Viewer, 'role'>, area: Area): boolean {
  return viewer.role !== 'billing' || BILLING_AREAS.includes(area);
}

export function canEdit(viewer: Pick<Viewer, 'role'>, area: Area = 'roles'): boolean {
  if (viewer.role === 'owner' || viewer.role === 'admin') return true;
  return viewer.role === 'billing' && area === 'spend';
}

export function canManageSignIn(viewer: Pick<Viewer, 'role'>): boolean {
  return viewer.role === 'owner';
}

export function canExportAudit(viewer: Pick<Viewer, 'role'>): boolean {
  return viewer.role !== 'billing';
}
