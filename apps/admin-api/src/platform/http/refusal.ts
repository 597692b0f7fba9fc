import { ArgumentsHost, Catch, ExceptionFilter, Type } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { refusalGraphQLError } from './graphql-errors';
import { sendProblem } from './problem';

// A module's refusal: one code of the module's error codes and a message for the person who asked.
// Each module renders its codes with one table per transport (<module>.errors.ts).
export class Refusal<Code extends string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
  ) {
    super(message);
  }
}

// The exception filter of one module's refusals, from the module's tables: on GraphQL the error
// refusalGraphQLError makes; on REST, where the module serves it, problem+json with the status of
// the code and the code itself. The endpoint protocol's plain routes and OTLP answer without Nest's
// filters, through the module's own renderer.
export function refusalFilter<Code extends string>(
  refusal: Type<Refusal<Code>>,
  tables: { graphql: Record<Code, string>; http?: Record<Code, number> },
): Type<ExceptionFilter> {
  @Catch(refusal)
  class RefusalFilter implements ExceptionFilter {
    catch(error: Refusal<Code>, host: ArgumentsHost): void {
      if (!tables.http || host.getType<string>() === 'graphql') {
        throw refusalGraphQLError(error, tables.graphql);
      }
      sendProblem(host.switchToHttp().getResponse<FastifyReply>(), tables.http[error.code], {
        detail: error.message,
        code: error.code,
      });
    }
  }
  return RefusalFilter;
}
