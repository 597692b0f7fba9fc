import { HttpStatus } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { ServerResponse } from 'node:http';
import { answerUnexpected } from './unexpected-error';

// A problem+json answer (RFC 9457) from a plain Fastify route, the same document the API-wide
// ProblemFilter writes for Nest's routes: `detail` says what was wrong, extensions (`code`, ...)
// follow.
export function sendProblem(
  reply: FastifyReply,
  status: number,
  fields: { detail: string; [extension: string]: unknown },
): FastifyReply {
  return reply
    .status(status)
    .type('application/problem+json')
    .send({ type: 'about:blank', title: problemTitle(status), status, ...fields });
}

// The same document from a raw node:http route (see RawRoutes).
export function writeProblem(
  response: ServerResponse,
  status: number,
  fields: { detail: string; [extension: string]: unknown },
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify({
    type: 'about:blank',
    title: problemTitle(status),
    status,
    ...fields,
  });
  response.writeHead(status, {
    ...headers,
    'content-type': 'application/problem+json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}

export function problemTitle(status: number): string {
  return HttpStatus[status]?.toLowerCase().replace(/_/g, ' ') ?? 'error';
}

// An error no handler expected, as problem+json: 503 with Retry-After when the database or Redis
// is unreachable, otherwise 500; a generic detail and the correlation id the log line carries.
export function sendUnexpectedProblem(
  reply: FastifyReply,
  error: unknown,
  where: string,
): FastifyReply {
  const answer = answerUnexpected(error, where);
  if (reply.sent) return reply;
  if (answer.retryAfterSeconds) void reply.header('retry-after', String(answer.retryAfterSeconds));
  return sendProblem(reply, answer.status, {
    detail: answer.message,
    code: answer.code,
    correlationId: answer.correlationId,
  });
}

// sendUnexpectedProblem for a raw node:http route.
export function writeUnexpectedProblem(
  response: ServerResponse,
  error: unknown,
  where: string,
): void {
  const answer = answerUnexpected(error, where);
  if (response.headersSent) {
    response.destroy();
    return;
  }
  writeProblem(
    response,
    answer.status,
    { detail: answer.message, code: answer.code, correlationId: answer.correlationId },
    answer.retryAfterSeconds ? { 'retry-after': String(answer.retryAfterSeconds) } : {},
  );
}
