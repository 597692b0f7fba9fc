import { Refusal, refusalFilter } from '../../platform/http/refusal';

// Every refusal of bundles, signing keys and endpoints, thrown once (services and adapters alike)
// and rendered by BundleErrorFilter for each transport.
export enum BundleErrorCode {
  NoActiveKey = 'no_active_key',
  KeyNotFound = 'key_not_found',
  KeyAlreadyRevoked = 'key_already_revoked',
  EndpointNotFound = 'endpoint_not_found',
  EndpointAlreadyRevoked = 'endpoint_already_revoked',
  UserNotFound = 'user_not_found',
  UserDeactivated = 'user_deactivated',
  InvalidRequest = 'invalid_request',
  PublishNotFound = 'publish_not_found',
}

export class BundleError extends Refusal<BundleErrorCode> {}

// One row per code, per transport: a new code does not compile until it has both.
const HTTP_STATUS: Record<BundleErrorCode, number> = {
  [BundleErrorCode.KeyNotFound]: 404,
  [BundleErrorCode.EndpointNotFound]: 404,
  [BundleErrorCode.UserNotFound]: 404,
  [BundleErrorCode.PublishNotFound]: 404,
  [BundleErrorCode.KeyAlreadyRevoked]: 409,
  [BundleErrorCode.EndpointAlreadyRevoked]: 409,
  [BundleErrorCode.NoActiveKey]: 409,
  [BundleErrorCode.UserDeactivated]: 403,
  [BundleErrorCode.InvalidRequest]: 400,
};

const GRAPHQL_CODE: Record<BundleErrorCode, string> = {
  [BundleErrorCode.KeyNotFound]: 'NOT_FOUND',
  [BundleErrorCode.EndpointNotFound]: 'NOT_FOUND',
  [BundleErrorCode.UserNotFound]: 'NOT_FOUND',
  [BundleErrorCode.PublishNotFound]: 'NOT_FOUND',
  [BundleErrorCode.KeyAlreadyRevoked]: 'CONFLICT',
  [BundleErrorCode.EndpointAlreadyRevoked]: 'CONFLICT',
  [BundleErrorCode.NoActiveKey]: 'CONFLICT',
  [BundleErrorCode.UserDeactivated]: 'FORBIDDEN',
  [BundleErrorCode.InvalidRequest]: 'BAD_USER_INPUT',
};

// Bundle errors as problem+json (REST) or as a GraphQL error with a code the console acts on and
// the bundle code as its reason.
export const BundleErrorFilter = refusalFilter(BundleError, {
  graphql: GRAPHQL_CODE,
  http: HTTP_STATUS,
});
