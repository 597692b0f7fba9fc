import { CredentialType } from '../../generated/prisma/enums';

export { CredentialType };

export const CREDENTIAL_PREFIX: Record<CredentialType, string> = {
  scim: 'stw_scim_',
  analytics: 'stw_ak_',
  enrolment: 'stw_enrol_',
  endpoint: 'stw_ep_',
};

export const ANALYTICS_SCOPES = ['analytics:read', 'audit:read', 'export'] as const;
export type AnalyticsScope = (typeof ANALYTICS_SCOPES)[number];

export function isCredentialType(value: string): value is CredentialType {
  return Object.hasOwn(CREDENTIAL_PREFIX, value);
}
