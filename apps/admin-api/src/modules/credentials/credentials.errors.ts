import { Refusal, refusalFilter } from '../../platform/http/refusal';

// Every refusal of machine credentials, thrown once and rendered by CredentialErrorFilter for the
// console (the operator CLI prints the message).
export enum CredentialErrorCode {
  NotFound = 'not_found',
  AlreadyRevoked = 'already_revoked',
  // A scope that is not an Analytics API scope, or scopes on a credential that has none.
  InvalidScope = 'invalid_scope',
  // A name out of bounds, or a credential type the console does not issue.
  Invalid = 'invalid',
}

export class CredentialError extends Refusal<CredentialErrorCode> {}

// Credentials' one transport is GraphQL: one row per code, so a new code does not compile without
// its rendering.
const GRAPHQL_CODE: Record<CredentialErrorCode, string> = {
  [CredentialErrorCode.NotFound]: 'NOT_FOUND',
  [CredentialErrorCode.AlreadyRevoked]: 'CONFLICT',
  [CredentialErrorCode.InvalidScope]: 'BAD_USER_INPUT',
  [CredentialErrorCode.Invalid]: 'BAD_USER_INPUT',
};

export const CredentialErrorFilter = refusalFilter(CredentialError, { graphql: GRAPHQL_CODE });
