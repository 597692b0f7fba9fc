import { GraphQLRequestError } from './graphql-client';

// The API's own words when it refused (validation, conflict, permission); a generic line otherwise.
export function errorMessage(error: unknown): string {
  if (error instanceof GraphQLRequestError) {
    // A role refusal carries no reason; a module's own refusal (an address the server may not
    // reach, a switched-off import) says why in its message.
    const forbidden = error.errors.find((entry) => entry.extensions?.code === 'FORBIDDEN');
    if (forbidden && !forbidden.extensions?.reason) {
      return `Your admin role may not do this: ${error.message}`;
    }
    return error.message;
  }
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong while talking to the Steward API.';
}
