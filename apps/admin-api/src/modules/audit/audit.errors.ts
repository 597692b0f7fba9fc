import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { GraphQLError } from 'graphql';
import { problemTitle } from '../../platform/http/problem';

// Every refusal of the audit log's API, thrown once (services and adapters alike) and rendered by
// AuditErrorFilter for each transport.
export enum AuditErrorCode {
  // A filter, page, cursor, format or retention period the API does not accept.
  Invalid = 'invalid',
  NotFound = 'not_found',
  // An export asked for before it is done.
  NotReady = 'not_ready',
}

export class AuditError extends Error {
  constructor(
    readonly code: AuditErrorCode,
    message: string,
  ) {
    super(message);
  }
}

// One row per code, per transport: a new code does not compile until it has both.
const HTTP_STATUS: Record<AuditErrorCode, number> = {
  [AuditErrorCode.Invalid]: 400,
  [AuditErrorCode.NotFound]: 404,
  [AuditErrorCode.NotReady]: 409,
};

const GRAPHQL_CODE: Record<AuditErrorCode, string> = {
  [AuditErrorCode.Invalid]: 'BAD_USER_INPUT',
  [AuditErrorCode.NotFound]: 'NOT_FOUND',
  [AuditErrorCode.NotReady]: 'CONFLICT',
};

// Audit errors as problem+json (REST) or as a GraphQL error with a code the console acts on.
@Catch(AuditError)
export class AuditErrorFilter implements ExceptionFilter {
  catch(error: AuditError, host: ArgumentsHost): void {
    if (host.getType<string>() === 'graphql') {
      throw new GraphQLError(error.message, {
        extensions: { code: GRAPHQL_CODE[error.code], reason: error.code },
      });
    }
    const status = HTTP_STATUS[error.code];
    void host
      .switchToHttp()
      .getResponse<FastifyReply>()
      .status(status)
      .type('application/problem+json')
      .send({
        type: 'about:blank',
        title: problemTitle(status),
        status,
        detail: error.message,
        code: error.code,
      });
  }
}
