// Published when an endpoint is revoked: every replica forgets its cached credential at once and
// answers its held long-polls with 401.
export const ENDPOINT_REVOKED_CHANNEL = 'endpoints.revoked';

export interface EndpointRevoked {
  organizationId: string;
  endpointId: string;
}
