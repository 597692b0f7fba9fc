import { ArgumentsHost, Catch } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import { GraphQLError } from 'graphql';

// Every refusal of the console's sign-in settings (the identity provider and the IdP groups mapped
// to admin roles), thrown once and rendered by AuthErrorFilter. A refused SAML sign-in is not an
// error: it is an outcome, recorded and shown on the sign-in page (SamlRefusal).
export enum AuthErrorCode {
  // IdP settings or an IdP group name the API does not accept.
  Invalid = 'invalid',
}

export class AuthError extends Error {
  constructor(
    readonly code: AuthErrorCode,
    message: string,
  ) {
    super(message);
  }
}

// Auth's settings have one transport, GraphQL: one row per code, so a new code does not compile
// without its rendering.
const GRAPHQL_CODE: Record<AuthErrorCode, string> = {
  [AuthErrorCode.Invalid]: 'BAD_USER_INPUT',
};

export function authGraphQLError(error: AuthError): GraphQLError {
  return new GraphQLError(error.message, {
    extensions: { code: GRAPHQL_CODE[error.code], reason: error.code },
  });
}

@Catch(AuthError)
export class AuthErrorFilter implements GqlExceptionFilter {
  catch(error: AuthError, _host: ArgumentsHost): never {
    throw authGraphQLError(error);
  }
}
