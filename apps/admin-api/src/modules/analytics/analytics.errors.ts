import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { GraphQLError } from 'graphql';
import { sendProblem } from '../../platform/http/problem';

// Every refusal of analytics, thrown once (range, page and cursor parsing) and rendered by
// AnalyticsErrorFilter for each transport: the Analytics API's problem+json and the console's
// GraphQL.
export enum AnalyticsErrorCode {
  // A date range, page size or format the API does not accept.
  Invalid = 'invalid',
  // A cursor the API did not hand out (tampered with, or cut short).
  InvalidCursor = 'invalid_cursor',
}

export class AnalyticsError extends Error {
  constructor(
    readonly code: AnalyticsErrorCode,
    message: string,
  ) {
    super(message);
  }
}

// One row per code, per transport: a new code does not compile until it has both.
const HTTP_STATUS: Record<AnalyticsErrorCode, number> = {
  [AnalyticsErrorCode.Invalid]: 400,
  [AnalyticsErrorCode.InvalidCursor]: 400,
};

const GRAPHQL_CODE: Record<AnalyticsErrorCode, string> = {
  [AnalyticsErrorCode.Invalid]: 'BAD_USER_INPUT',
  [AnalyticsErrorCode.InvalidCursor]: 'BAD_USER_INPUT',
};

// Analytics errors as problem+json (the Analytics API) or as a GraphQL error with a code the
// console acts on and the analytics code as its reason.
@Catch(AnalyticsError)
export class AnalyticsErrorFilter implements ExceptionFilter {
  catch(error: AnalyticsError, host: ArgumentsHost): void {
    if (host.getType<string>() === 'graphql') {
      throw new GraphQLError(error.message, {
        extensions: { code: GRAPHQL_CODE[error.code], reason: error.code },
      });
    }
    sendProblem(host.switchToHttp().getResponse<FastifyReply>(), HTTP_STATUS[error.code], {
      detail: error.message,
      code: error.code,
    });
  }
}
