import { Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from '../../platform/http/problem';
import type { AuthenticatedEndpoint, EndpointSessions } from './endpoint-sessions';

const logger = new Logger('HTTP');

// The frame of the endpoint protocol's plain Fastify routes (bundle pull, spend leases, event
// upload: hot paths that skip Nest's per-request guard, pipes and exception filters): the
// endpoint's credential or a 401, then `serve`. An error `problemOf` recognises is answered as it
// says; any other is logged and answered 500, unless an answer went out already. The answers are
// the problem+json the API-wide ProblemFilter writes.
export async function serveEndpoint(
  sessions: EndpointSessions,
  request: FastifyRequest,
  reply: FastifyReply,
  serve: (endpoint: AuthenticatedEndpoint) => Promise<FastifyReply>,
  problemOf: (error: unknown, reply: FastifyReply) => FastifyReply | null = () => null,
): Promise<FastifyReply> {
  try {
    const endpoint = await sessions.authenticate(request.headers.authorization);
    if (!endpoint) {
      return sendProblem(reply, 401, {
        detail: 'an endpoint credential (Authorization: Bearer stw_ep_…) is required',
        code: 'endpoint_unauthenticated',
      });
    }
    return await serve(endpoint);
  } catch (error) {
    const answered = problemOf(error, reply);
    if (answered) return answered;
    logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    return reply.sent ? reply : sendProblem(reply, 500, { detail: 'internal error' });
  }
}
