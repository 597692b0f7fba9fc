import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { byteRoutes } from '../../platform/http/byte-routes';
import { answerUnexpected } from '../../platform/http/unexpected-error';
import { EndpointSessions } from '../endpoints/endpoint-sessions';
import { OtlpReceiverService } from './otlp-receiver.service';
import { otlpStatusOf, TelemetryError, TelemetryErrorCode } from './telemetry.errors';
import {
  contentTypeOf,
  encodeResponse,
  encodeStatus,
  inflate,
  MAX_OTLP_BYTES,
  notOtlp,
  wireFormatOf,
  type Signal,
  type WireFormat,
} from './otlp-wire';

export const OTLP_LOGS_PATH = '/v1/logs';
export const OTLP_METRICS_PATH = '/v1/metrics';

// The OTLP/HTTP receiver (docs/governed-agents.md): Claude Code's OTEL_EXPORTER_OTLP_ENDPOINT is
// the API's base URL, so its exporters post to /v1/logs and /v1/metrics, with the endpoint's
// credential as the bearer token. Plain Fastify routes like the event upload, taking the body as
// bytes; every answer, errors included, is in OTLP's shape and the request's own encoding.
@Injectable()
export class OtlpRoute implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly sessions: EndpointSessions,
    private readonly receiver: OtlpReceiverService,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    byteRoutes(fastify, { contentType: '*', limit: MAX_OTLP_BYTES }, (scope) => {
      scope.post(OTLP_LOGS_PATH, (request, reply) => this.export('logs', request, reply));
      scope.post(OTLP_METRICS_PATH, (request, reply) => this.export('metrics', request, reply));
    });
  }

  private async export(
    signal: Signal,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply> {
    const format = wireFormatOf(request.headers['content-type']);
    if (!format) {
      const refusal = 'send application/json or application/x-protobuf';
      return refuse(
        reply,
        'json',
        new TelemetryError(TelemetryErrorCode.UnsupportedMediaType, refusal),
      );
    }
    try {
      const endpoint = await this.sessions.authenticate(request.headers.authorization);
      if (!endpoint) {
        const message = 'an endpoint credential (Authorization: Bearer stw_ep_…) is required';
        return answer(reply, 401, format, encodeStatus(format, message));
      }
      if (!Buffer.isBuffer(request.body)) throw notOtlp('the body is empty');
      const bytes = inflate(
        request.body,
        request.headers['content-encoding'] as string | undefined,
      );
      const { rejected, errorMessage } = await this.receiver.receive(
        endpoint,
        signal,
        format,
        bytes,
      );
      return answer(reply, 200, format, encodeResponse(signal, format, rejected, errorMessage));
    } catch (error) {
      if (error instanceof TelemetryError) return refuse(reply, format, error);
      // OTLP exporters retry a 503 after its Retry-After (the OTLP/HTTP specification).
      const unexpected = answerUnexpected(error, `POST ${request.url}`);
      if (reply.sent) return reply;
      if (unexpected.retryAfterSeconds) {
        void reply.header('retry-after', String(unexpected.retryAfterSeconds));
      }
      return answer(reply, unexpected.status, format, encodeStatus(format, unexpected.message));
    }
  }
}

function answer(
  reply: FastifyReply,
  status: number,
  format: WireFormat,
  body: Buffer | string,
): FastifyReply {
  return reply.status(status).type(contentTypeOf(format)).send(body);
}

// A telemetry refusal as OTLP answers it: the status for its code, a google.rpc.Status body.
function refuse(reply: FastifyReply, format: WireFormat, error: TelemetryError): FastifyReply {
  return answer(reply, otlpStatusOf(error), format, encodeStatus(format, error.message));
}
