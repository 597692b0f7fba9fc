import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fs from 'node:fs';
import { repoPath } from '../repo-path';
import { problemTitle, sendUnexpectedProblem } from './problem';

const CONSOLE_INDEX = repoPath('apps', 'admin-web', 'dist', 'index.html');
// Paths that belong to the API: a miss there is a 404, never the console's page.
const API_PATHS = /^\/(api|scim|graphql|auth|endpoint|healthz|readyz)(\/|$|\?)/;

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  [extension: string]: unknown;
}

// REST errors as RFC 9457 problem+json. A browser's GET of an unknown console path gets the
// console (client-side routing); GraphQL errors pass through to the GraphQL driver; modules with a
// protocol of their own (SCIM) register their own filter on their controllers. Errors that are not
// HttpExceptions were not expected: they are answered by sendUnexpectedProblem.
@Catch()
export class ProblemFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost) {
    if (host.getType<string>() === 'graphql') throw exception;
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    if (!(exception instanceof HttpException)) {
      sendUnexpectedProblem(reply, exception, `${request.method} ${request.url.split('?')[0]}`);
      return;
    }
    const status = exception.getStatus();

    if (
      status === 404 &&
      request.method === 'GET' &&
      !API_PATHS.test(request.url) &&
      fs.existsSync(CONSOLE_INDEX)
    ) {
      void reply
        .status(200)
        .type('text/html; charset=utf-8')
        .send(fs.createReadStream(CONSOLE_INDEX));
      return;
    }
    const problem: Problem = {
      type: 'about:blank',
      title: problemTitle(status),
      status,
      ...detailOf(exception.getResponse()),
    };
    void reply.status(status).type('application/problem+json').send(problem);
  }
}

function detailOf(body: unknown): Partial<Problem> {
  if (typeof body === 'string') return { detail: body };
  if (body && typeof body === 'object') {
    const {
      message,
      statusCode: _statusCode,
      error: _error,
      ...rest
    } = body as Record<string, unknown>;
    void _statusCode;
    void _error;
    return {
      ...(message !== undefined
        ? { detail: Array.isArray(message) ? message.join('; ') : String(message) }
        : {}),
      ...rest,
    };
  }
  return {};
}
