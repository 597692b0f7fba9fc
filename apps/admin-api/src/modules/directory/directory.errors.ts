import { refusalFilter } from '../../platform/http/refusal';
import { DirectoryError } from './directory.types';
import type { DirectoryErrorCode } from './directory.types';

// One row per code: a new code does not compile until the console's transport has it (SCIM renders
// the same codes its own way, in scim.errors.ts).
const GRAPHQL_CODE: Record<DirectoryErrorCode, string> = {
  not_found: 'NOT_FOUND',
  version_mismatch: 'CONFLICT',
  user_name_taken: 'CONFLICT',
  unknown_members: 'BAD_USER_INPUT',
  invalid_filter: 'BAD_USER_INPUT',
  invalid_value: 'BAD_USER_INPUT',
  managed_by_identity_provider: 'FAILED_PRECONDITION',
  busy: 'SERVICE_UNAVAILABLE',
};

// Directory errors as GraphQL errors with a code the console acts on and the directory's own code
// as the reason.
export const DirectoryErrorFilter = refusalFilter(DirectoryError, { graphql: GRAPHQL_CODE });
