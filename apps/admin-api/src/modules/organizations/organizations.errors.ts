import { Refusal, refusalFilter } from '../../platform/http/refusal';

// Every refusal of organizations, rendered by OrganizationErrorFilter (the operator CLI prints the
// message).
export enum OrganizationErrorCode {
  InvalidName = 'invalid_name',
  NotFound = 'not_found',
}

export class OrganizationError extends Refusal<OrganizationErrorCode> {}

// One row per code: a new code does not compile until the console's transport has it.
const GRAPHQL_CODE: Record<OrganizationErrorCode, string> = {
  [OrganizationErrorCode.InvalidName]: 'BAD_USER_INPUT',
  [OrganizationErrorCode.NotFound]: 'NOT_FOUND',
};

export const OrganizationErrorFilter = refusalFilter(OrganizationError, { graphql: GRAPHQL_CODE });
