import { ArgumentsHost, Catch, ExceptionFilter, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ScimRefusals } from './scim-refusals.service';
import { toScimError } from './scim.errors';
import type { ScimCaller } from './scim.service';
import type { ScimErrorBody } from './scim.errors';

export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

export function sendScimError(
  reply: FastifyReply,
  status: number,
  body: ScimErrorBody,
  retryAfterSeconds?: number,
): void {
  if (status === 401) void reply.header('www-authenticate', 'Bearer realm="SCIM"');
  if (retryAfterSeconds) void reply.header('retry-after', String(retryAfterSeconds));
  void reply.status(status).type(SCIM_CONTENT_TYPE).send(body);
}

// Every failure of a SCIM route as a SCIM error (RFC 7644 section 3.12), mapped by toScimError;
// one of an authenticated identity provider is also kept for the console (ScimRefusals).
@Catch()
@Injectable()
export class ScimExceptionFilter implements ExceptionFilter {
  constructor(private readonly refusals: ScimRefusals) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const { status, body, retryAfterSeconds } = toScimError(exception);
    const http = host.switchToHttp();
    sendScimError(http.getResponse<FastifyReply>(), status, body, retryAfterSeconds);
    const request = http.getRequest<FastifyRequest & { scimCaller?: ScimCaller }>();
    if (request.scimCaller) {
      this.refusals.note(request.scimCaller.organizationId, {
        method: request.method,
        path: request.url,
        status,
        scimType: body.scimType ?? null,
        detail: body.detail,
      });
    }
  }
}
