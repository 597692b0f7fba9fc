import { ArgumentsHost, Catch } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import { GraphQLError } from 'graphql';

export type SpendErrorCode =
  | 'limit_exhausted'
  | 'lease_above_maximum'
  | 'lease_not_found'
  | 'model_price_unknown'
  | 'invalid'
  | 'not_found';

export class SpendError extends Error {
  constructor(
    readonly code: SpendErrorCode,
    message: string,
    // For limit_exhausted: the budget that refused (the protocol's `limit`).
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

const GRAPHQL_CODE: Record<SpendErrorCode, string> = {
  limit_exhausted: 'FORBIDDEN',
  lease_above_maximum: 'BAD_USER_INPUT',
  lease_not_found: 'NOT_FOUND',
  model_price_unknown: 'BAD_USER_INPUT',
  invalid: 'BAD_USER_INPUT',
  not_found: 'NOT_FOUND',
};

@Catch(SpendError)
export class SpendErrorFilter implements GqlExceptionFilter {
  catch(exception: SpendError, _host: ArgumentsHost): never {
    throw new GraphQLError(exception.message, {
      extensions: { code: GRAPHQL_CODE[exception.code], reason: exception.code },
    });
  }
}
