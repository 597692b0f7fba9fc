import { HttpException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { GraphQLError } from 'graphql';
import type { ExecutionResult } from 'graphql';
import type { Refusal } from './refusal';
import { answerUnexpected } from './unexpected-error';

// A module's refusal as the console's GraphQL error: the GraphQL code the module's table gives its
// code (one row per code, so a new code does not compile without one), the module's own code as
// the reason, and the input field at fault where the module names one.
export function refusalGraphQLError<Code extends string>(
  error: Refusal<Code> & { field?: string },
  graphqlCodes: Record<Code, string>,
): GraphQLError {
  return new GraphQLError(error.message, {
    extensions: {
      code: graphqlCodes[error.code],
      reason: error.code,
      ...(error.field ? { field: error.field } : {}),
    },
  });
}

type Execution = ExecutionResult & Required<Pick<ExecutionResult, 'errors'>>;

// Errors a module or the GraphQL layer raised on purpose (a GraphQLError with a code, an
// HttpException under 500, a validation error without an original error) reach the client as they
// are; any other was not expected.
function isDeliberate(error: GraphQLError): boolean {
  const original = error.originalError;
  if (!original) return true;
  if (original instanceof GraphQLError) return original.extensions?.code !== undefined;
  if (original instanceof HttpException) return original.getStatus() < 500;
  const status = (original as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && status < 500;
}

// Mercurius's errorFormatter: unexpected errors become a generic GraphQL error with a code
// (INTERNAL_SERVER_ERROR, or SERVICE_UNAVAILABLE while the database or Redis is unreachable) and
// the correlation id the server's log line carries. An operation that produced no data because a
// dependency is unreachable is answered 503 with Retry-After, like the REST and SCIM routes.
export function formatGraphqlErrors(
  execution: Execution,
  context: { reply?: FastifyReply },
): { statusCode: number; response: ExecutionResult } {
  let retryAfterSeconds: number | undefined;
  const errors = execution.errors.flatMap((error) => {
    const nested = (error.originalError as { errors?: unknown } | undefined)?.errors;
    // Mercurius reports request validation failures as one error holding a list.
    if (Array.isArray(nested)) return nested as GraphQLError[];
    if (isDeliberate(error)) return [error];
    const answer = answerUnexpected(error.originalError, `GraphQL ${error.path?.join('.') ?? ''}`);
    retryAfterSeconds ??= answer.retryAfterSeconds;
    return [
      new GraphQLError(answer.message, {
        path: error.path,
        nodes: error.nodes,
        extensions: {
          code: answer.status === 503 ? 'SERVICE_UNAVAILABLE' : 'INTERNAL_SERVER_ERROR',
          correlationId: answer.correlationId,
          ...(answer.retryAfterSeconds ? { retryAfterSeconds: answer.retryAfterSeconds } : {}),
        },
      }),
    ];
  });
  const unavailable = retryAfterSeconds !== undefined && !execution.data;
  if (retryAfterSeconds !== undefined) {
    void context.reply?.header('retry-after', String(retryAfterSeconds));
  }
  const statusCode = unavailable
    ? 503
    : execution.data
      ? 200
      : ((execution as { statusCode?: number }).statusCode ?? errorStatus(execution.errors) ?? 200);
  return {
    statusCode,
    response: { data: execution.data ?? null, errors: errors.map((e) => toGraphQLError(e)) },
  };
}

// As Mercurius's own formatter: a lone error that carries an HTTP status (a malformed request)
// keeps it.
function errorStatus(errors: readonly GraphQLError[]): number | undefined {
  if (errors.length !== 1) return undefined;
  const status = (errors[0]!.originalError as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

function toGraphQLError(error: GraphQLError | Error): GraphQLError {
  if (error instanceof GraphQLError) return error;
  const { locations, extensions } = error as {
    locations?: GraphQLError['locations'];
    extensions?: Record<string, unknown>;
  };
  const converted = new GraphQLError(error.message, { extensions });
  return Object.assign(converted, locations ? { locations } : {});
}
