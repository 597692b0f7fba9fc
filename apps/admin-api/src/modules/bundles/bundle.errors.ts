// Typed errors of bundles and endpoints, mapped once to each transport (GraphQL and problem+json)
// by errorToGraphQL and errorToHttp below.
import { HttpException, HttpStatus } from '@nestjs/common';
import { GraphQLError } from 'graphql';

export type BundleErrorCode =
  | 'no_active_key'
  | 'key_not_found'
  | 'key_already_revoked'
  | 'endpoint_not_found'
  | 'endpoint_already_revoked'
  | 'user_not_found'
  | 'user_deactivated'
  | 'invalid_request'
  | 'publish_not_found';

export class BundleError extends Error {
  constructor(
    readonly code: BundleErrorCode,
    message: string,
  ) {
    super(message);
  }
}

function statusOf(code: BundleErrorCode): HttpStatus {
  switch (code) {
    case 'key_not_found':
    case 'endpoint_not_found':
    case 'user_not_found':
    case 'publish_not_found':
      return HttpStatus.NOT_FOUND;
    case 'key_already_revoked':
    case 'endpoint_already_revoked':
    case 'no_active_key':
      return HttpStatus.CONFLICT;
    case 'user_deactivated':
      return HttpStatus.FORBIDDEN;
    case 'invalid_request':
      return HttpStatus.BAD_REQUEST;
  }
}

const GRAPHQL_CODES: Partial<Record<HttpStatus, string>> = {
  [HttpStatus.NOT_FOUND]: 'NOT_FOUND',
  [HttpStatus.CONFLICT]: 'CONFLICT',
  [HttpStatus.FORBIDDEN]: 'FORBIDDEN',
  [HttpStatus.BAD_REQUEST]: 'BAD_USER_INPUT',
};

export function errorToHttp(error: unknown): unknown {
  if (!(error instanceof BundleError)) return error;
  return new HttpException({ message: error.message, code: error.code }, statusOf(error.code));
}

export function errorToGraphQL(error: unknown): unknown {
  if (!(error instanceof BundleError)) return error;
  return new GraphQLError(error.message, {
    extensions: { code: GRAPHQL_CODES[statusOf(error.code)], reason: error.code },
  });
}
