import { GraphQLRequestError } from './graphql-client';

// The API's own words when it refused (validation, conflict, permission); a generic line otherwise.
export function errorMessage(error: unknown): string {
  if (error instanceof GraphQLRequestError) {
    if (error.hasCode('FORBIDDEN')) return `Your admin role may not do this: ${error.message}`;
    return error.message;
  }
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong while talking to the Steward API.';
}
