import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodError } from 'zod';
import { sendProblem } from '../../platform/http/problem';
import { serveEndpoint } from '../endpoints/endpoint-route';
import { EndpointSessions } from '../endpoints/endpoint-sessions';
import type { AuthenticatedEndpoint } from '../endpoints/endpoint-sessions';
import { leaseSchema, settleSchema } from './spend.dto';
import { sendSpendProblem, SpendError } from './spend.errors';
import { SpendService } from './spend.service';
import { isUuid } from '../../platform/database/uuid';

export const LEASES_PATH = '/api/v1/endpoints/spend/leases';
export const BUDGETS_PATH = '/api/v1/endpoints/spend/budgets';

// Spend leases of the endpoint protocol (docs/endpoint-protocol.md, "Spend leases"): every model
// request of every endpoint takes a lease and settles it, so they are plain Fastify routes (see
// serveEndpoint). Not raw node:http routes like the bundle pull: Fastify costs ~5 of the ~190 µs
// of API CPU a lease request takes (measured in the spend bench, 2026-12-07).
@Injectable()
export class SpendRoutes implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly sessions: EndpointSessions,
    private readonly spend: SpendService,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    fastify.post(LEASES_PATH, (request, reply) =>
      this.handle(request, reply, async (endpoint) => {
        const body = leaseSchema.safeParse(request.body);
        if (!body.success) return invalid(reply, body.error);
        const { existing, ...lease } = await this.spend.lease(endpoint, body.data);
        return reply.status(existing ? 200 : 201).send(lease);
      }),
    );
    // The person's budgets in their current periods: what a governed agent's prompt hook checks
    // before a new prompt (docs/governed-agents.md).
    fastify.get(BUDGETS_PATH, (request, reply) =>
      this.handle(request, reply, async (endpoint) =>
        reply.status(200).send({ budgets: await this.spend.budgetsFor(endpoint) }),
      ),
    );
    fastify.post(`${LEASES_PATH}/:id/settle`, (request, reply) =>
      this.handle(request, reply, async (endpoint) => {
        const { id } = request.params as { id: string };
        if (!isUuid(id)) {
          return sendProblem(reply, 400, { detail: 'Validation failed (uuid is expected)' });
        }
        const body = settleSchema.safeParse(request.body);
        if (!body.success) return invalid(reply, body.error);
        return reply.status(200).send(await this.spend.settle(endpoint, id, body.data));
      }),
    );
  }

  private handle(
    request: FastifyRequest,
    reply: FastifyReply,
    serve: (endpoint: AuthenticatedEndpoint) => Promise<FastifyReply>,
  ): Promise<FastifyReply> {
    return serveEndpoint(this.sessions, request, reply, serve, (error, answer) =>
      error instanceof SpendError ? sendSpendProblem(answer, error) : null,
    );
  }
}

function invalid(reply: FastifyReply, error: ZodError): FastifyReply {
  const detail = error.issues
    .map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`)
    .join('; ');
  return sendProblem(reply, 400, { detail, code: 'invalid_request' });
}
