import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { byteRoutes } from '../../platform/http/byte-routes';
import { serveEndpoint } from '../endpoints/endpoint-route';
import { EndpointSessions } from '../endpoints/endpoint-sessions';
import { IngestService } from './ingest.service';
import { sendTelemetryProblem, TelemetryError, TelemetryErrorCode } from './telemetry.errors';

export const EVENTS_PATH = '/api/v1/endpoints/events';

// Event upload from endpoints (docs/telemetry.md; not in the public OpenAPI document). A plain
// Fastify route, like the bundle pull and spend leases, that takes the body as bytes: they go to a
// worker thread that parses, validates and encodes them (upload-preparer.ts), so no parsed batch
// ever lives on this thread, and its event loop does not stop for the ~10 ms a batch costs.
//
// A batch is answered 200 even when some events were invalid: the valid ones are stored and each
// invalid one is listed by its index in `rejected`, so the runtime drops those and never retries
// them. Only a body that is not a batch at all is a 400.
@Injectable()
export class IngestRoute implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly sessions: EndpointSessions,
    private readonly ingest: IngestService,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    byteRoutes(fastify, { contentType: 'application/json' }, (scope) => {
      scope.post(EVENTS_PATH, (request, reply) => this.upload(request, reply));
    });
  }

  private upload(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    return serveEndpoint(
      this.sessions,
      request,
      reply,
      async (endpoint) => {
        if (!Buffer.isBuffer(request.body)) {
          const refusal = 'the body must be a JSON batch: {"events": [...]}';
          throw new TelemetryError(TelemetryErrorCode.Invalid, refusal);
        }
        return reply.status(200).send(await this.ingest.ingest(endpoint, request.body));
      },
      (error, answer) =>
        error instanceof TelemetryError ? sendTelemetryProblem(answer, error) : null,
    );
  }
}
