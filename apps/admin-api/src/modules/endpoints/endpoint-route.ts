import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  sendProblem,
  sendUnexpectedProblem,
  writeProblem,
  writeUnexpectedProblem,
} from '../../platform/http/problem';
import type { AuthenticatedEndpoint, EndpointSessions } from './endpoint-sessions';

const UNAUTHENTICATED = {
  detail: 'an endpoint credential (Authorization: Bearer stw_ep_…) is required',
  code: 'endpoint_unauthenticated',
};

// The frame of the endpoint protocol's plain Fastify routes (spend leases and budgets, event
// upload: hot paths that skip Nest's per-request guard, pipes and exception filters): the
// endpoint's credential or a 401, then `serve`. An error `problemOf` recognises is answered as it
// says; any other as an unexpected one (503 with Retry-After while the database is unreachable,
// else 500 with a correlation id), unless an answer went out already. The answers are the
// problem+json the API-wide ProblemFilter writes.
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
      return sendProblem(reply, 401, UNAUTHENTICATED);
    }
    return await serve(endpoint);
  } catch (error) {
    const answered = problemOf(error, reply);
    if (answered) return answered;
    return sendUnexpectedProblem(reply, error, `${request.method} ${request.routeOptions.url}`);
  }
}

// The same frame for a raw node:http route (see RawRoutes), at `path`.
export async function serveRawEndpoint(
  sessions: EndpointSessions,
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  serve: (endpoint: AuthenticatedEndpoint) => Promise<void>,
): Promise<void> {
  try {
    const endpoint = await sessions.authenticate(request.headers.authorization);
    if (!endpoint) return writeProblem(response, 401, UNAUTHENTICATED);
    await serve(endpoint);
  } catch (error) {
    writeUnexpectedProblem(response, error, `${request.method} ${path}`);
  }
}
