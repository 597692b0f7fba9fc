import { refusalFilter } from '../../platform/http/refusal';
import { OrganizationError } from './organizations.service';

// One row per code: a new code does not compile until the console's transport has it (the operator
// CLI prints the message).
const GRAPHQL_CODE: Record<OrganizationError['code'], string> = {
  invalid_name: 'BAD_USER_INPUT',
  not_found: 'NOT_FOUND',
};

export const OrganizationErrorFilter = refusalFilter(OrganizationError, { graphql: GRAPHQL_CODE });
