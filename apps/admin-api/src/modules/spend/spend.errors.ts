import {
  ArgumentsHost,
  BadRequestException,
  Catch,
  HttpException,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import { GraphQLError } from 'graphql';

export type SpendErrorCode =
  'limit_exhausted' | 'lease_not_found' | 'model_price_unknown' | 'invalid' | 'not_found';

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

function assertNever(code: never): never {
  throw new Error(`unmapped spend error ${String(code)}`);
}

// The endpoint protocol's problem+json for each code (docs/endpoint-protocol.md).
export function spendErrorToHttp(error: unknown): unknown {
  if (!(error instanceof SpendError)) return error;
  const body = { message: error.message };
  switch (error.code) {
    case 'limit_exhausted':
      return new HttpException(
        { ...body, code: 'spend_limit_exhausted', limit: error.details },
        402,
      );
    case 'lease_not_found':
    case 'not_found':
      return new NotFoundException({ ...body, code: 'lease_not_found' });
    case 'model_price_unknown':
      return new UnprocessableEntityException({ ...body, code: 'model_price_unknown' });
    case 'invalid':
      return new BadRequestException({ ...body, code: 'invalid_request' });
    default:
      return assertNever(error.code);
  }
}

const GRAPHQL_CODE: Record<SpendErrorCode, string> = {
  limit_exhausted: 'FORBIDDEN',
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
