import { ArgumentsHost, Catch } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import { GraphQLError } from 'graphql';
import { GovernanceError } from './governance.types';
import type { GovernanceErrorCode } from './governance.types';

const GRAPHQL_CODE: Record<GovernanceErrorCode, string> = {
  not_found: 'NOT_FOUND',
  invalid: 'BAD_USER_INPUT',
  conflict: 'CONFLICT',
  import_failed: 'BAD_GATEWAY',
  disabled: 'FORBIDDEN',
  address_refused: 'FORBIDDEN',
};

// Governance errors as GraphQL errors with a code the console can act on. Anything else passes
// through untouched to the GraphQL driver.
@Catch(GovernanceError)
export class GovernanceErrorFilter implements GqlExceptionFilter {
  catch(exception: GovernanceError, _host: ArgumentsHost): never {
    throw new GraphQLError(exception.message, {
      extensions: {
        code: GRAPHQL_CODE[exception.code],
        reason: exception.code,
        ...(exception.field ? { field: exception.field } : {}),
      },
    });
  }
}
