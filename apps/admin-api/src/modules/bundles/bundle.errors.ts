import { Refusal, refusalFilter } from '../../platform/http/refusal';

// Every refusal of bundles, signing keys and endpoints, thrown once (services and adapters alike)
// and rendered by BundleErrorFilter for each transport.
export type BundleErrorCode =
  | 'no_active_key'
  | 'key_not_found'
  | 'key_already_revoked'
  | 'endpoint_not_found'
  | 'endpoint_already_revoked'
  | 'user_not_found'
  | 'user_deactivated'
  | 'invalid_request'
  | 'publish_not_found';

export class BundleError extends Refusal<BundleErrorCode> {}

// One row per code, per transport: a new code does not compile until it has both.
const HTTP_STATUS: Record<BundleErrorCode, number> = {
  key_not_found: 404,
  endpoint_not_found: 404,
  user_not_found: 404,
  publish_not_found: 404,
  key_already_revoked: 409,
  endpoint_already_revoked: 409,
  no_active_key: 409,
  user_deactivated: 403,
  invalid_request: 400,
};

const GRAPHQL_CODE: Record<BundleErrorCode, string> = {
  key_not_found: 'NOT_FOUND',
  endpoint_not_found: 'NOT_FOUND',
  user_not_found: 'NOT_FOUND',
  publish_not_found: 'NOT_FOUND',
  key_already_revoked: 'CONFLICT',
  endpoint_already_revoked: 'CONFLICT',
  no_active_key: 'CONFLICT',
  user_deactivated: 'FORBIDDEN',
  invalid_request: 'BAD_USER_INPUT',
};

// Bundle errors as problem+json (REST) or as a GraphQL error with a code the console acts on and
// the bundle code as its reason.
export const BundleErrorFilter = refusalFilter(BundleError, {
  graphql: GRAPHQL_CODE,
  http: HTTP_STATUS,
});
