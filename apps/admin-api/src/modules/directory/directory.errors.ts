import { refusalFilter } from '../../platform/http/refusal';
import { DirectoryError, DirectoryErrorCode } from './directory.types';

// One row per code: a new code does not compile until the console's transport has it (SCIM renders
// the same codes its own way, in scim.errors.ts).
const GRAPHQL_CODE: Record<DirectoryErrorCode, string> = {
  [DirectoryErrorCode.NotFound]: 'NOT_FOUND',
  [DirectoryErrorCode.VersionMismatch]: 'CONFLICT',
  [DirectoryErrorCode.UserNameTaken]: 'CONFLICT',
  [DirectoryErrorCode.UnknownMembers]: 'BAD_USER_INPUT',
  [DirectoryErrorCode.InvalidFilter]: 'BAD_USER_INPUT',
  [DirectoryErrorCode.InvalidValue]: 'BAD_USER_INPUT',
  [DirectoryErrorCode.ManagedByIdentityProvider]: 'FAILED_PRECONDITION',
  [DirectoryErrorCode.Busy]: 'SERVICE_UNAVAILABLE',
};

// Directory errors as GraphQL errors with a code the console acts on and the directory's own code
// as the reason.
export const DirectoryErrorFilter = refusalFilter(DirectoryError, { graphql: GRAPHQL_CODE });
