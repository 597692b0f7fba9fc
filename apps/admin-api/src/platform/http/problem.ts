import { HttpStatus } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

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

export function problemTitle(status: number): string {
  return HttpStatus[status]?.toLowerCase().replace(/_/g, ' ') ?? 'error';
}
