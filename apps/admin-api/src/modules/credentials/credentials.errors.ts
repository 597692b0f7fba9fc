import { ArgumentsHost, Catch } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import { GraphQLError } from 'graphql';

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

export class CredentialError extends Error {
  constructor(
    readonly code: CredentialErrorCode,
    message: string,
  ) {
    super(message);
  }
}

// Credentials' one transport is GraphQL: one row per code, so a new code does not compile without
// its rendering.
const GRAPHQL_CODE: Record<CredentialErrorCode, string> = {
  [CredentialErrorCode.NotFound]: 'NOT_FOUND',
  [CredentialErrorCode.AlreadyRevoked]: 'CONFLICT',
  [CredentialErrorCode.InvalidScope]: 'BAD_USER_INPUT',
  [CredentialErrorCode.Invalid]: 'BAD_USER_INPUT',
};

export function credentialGraphQLError(error: CredentialError): GraphQLError {
  return new GraphQLError(error.message, {
    extensions: { code: GRAPHQL_CODE[error.code], reason: error.code },
  });
}

@Catch(CredentialError)
export class CredentialErrorFilter implements GqlExceptionFilter {
  catch(error: CredentialError, _host: ArgumentsHost): never {
    throw credentialGraphQLError(error);
  }
}
