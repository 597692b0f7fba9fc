import { Refusal, refusalFilter } from '../../platform/http/refusal';

// Every refusal of the audit log's API, thrown once (services and adapters alike) and rendered by
// AuditErrorFilter for each transport.
export enum AuditErrorCode {
  // A filter, page, cursor, format or retention period the API does not accept.
  Invalid = 'invalid',
  NotFound = 'not_found',
  // An export asked for before it is done.
  NotReady = 'not_ready',
}

export class AuditError extends Refusal<AuditErrorCode> {}

// One row per code, per transport: a new code does not compile until it has both.
const HTTP_STATUS: Record<AuditErrorCode, number> = {
  [AuditErrorCode.Invalid]: 400,
  [AuditErrorCode.NotFound]: 404,
  [AuditErrorCode.NotReady]: 409,
};

const GRAPHQL_CODE: Record<AuditErrorCode, string> = {
  [AuditErrorCode.Invalid]: 'BAD_USER_INPUT',
  [AuditErrorCode.NotFound]: 'NOT_FOUND',
  [AuditErrorCode.NotReady]: 'CONFLICT',
};

// Audit errors as problem+json (REST) or as a GraphQL error with a code the console acts on.
export const AuditErrorFilter = refusalFilter(AuditError, {
  graphql: GRAPHQL_CODE,
  http: HTTP_STATUS,
});
