import { Refusal, refusalFilter } from '../../platform/http/refusal';

// Every refusal of analytics, thrown once (range, page and cursor parsing) and rendered by
// AnalyticsErrorFilter for each transport: the Analytics API's problem+json and the console's
// GraphQL.
export enum AnalyticsErrorCode {
  // A date range, page size or format the API does not accept.
  Invalid = 'invalid',
  // A cursor the API did not hand out (tampered with, or cut short).
  InvalidCursor = 'invalid_cursor',
}

export class AnalyticsError extends Refusal<AnalyticsErrorCode> {}

// One row per code, per transport: a new code does not compile until it has both.
const HTTP_STATUS: Record<AnalyticsErrorCode, number> = {
  [AnalyticsErrorCode.Invalid]: 400,
  [AnalyticsErrorCode.InvalidCursor]: 400,
};

const GRAPHQL_CODE: Record<AnalyticsErrorCode, string> = {
  [AnalyticsErrorCode.Invalid]: 'BAD_USER_INPUT',
  [AnalyticsErrorCode.InvalidCursor]: 'BAD_USER_INPUT',
};

// Analytics errors as problem+json (the Analytics API) or as a GraphQL error with a code the
// console acts on and the analytics code as its reason.
export const AnalyticsErrorFilter = refusalFilter(AnalyticsError, {
  graphql: GRAPHQL_CODE,
  http: HTTP_STATUS,
});
