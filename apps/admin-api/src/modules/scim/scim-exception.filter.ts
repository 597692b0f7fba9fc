import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DirectoryError } from '../directory/directory.types';
import { fromDirectoryError, ScimError, scimErrorBody } from './scim.errors';
import type { ScimErrorBody } from './scim.errors';

export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

const logger = new Logger('SCIM');

// Every failure of a SCIM route as a SCIM error (RFC 7644 section 3.12).
export function toScimError(exception: unknown): { status: number; body: ScimErrorBody } {
  const error = exception instanceof DirectoryError ? fromDirectoryError(exception) : exception;
  if (error instanceof ScimError) {
    return {
      status: error.status,
      body: scimErrorBody(error.status, error.message, error.scimType),
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const scimType = status === 400 ? 'invalidSyntax' : undefined;
    return { status, body: scimErrorBody(status, error.message, scimType) };
  }
  logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return { status: 500, body: scimErrorBody(500, 'internal error') };
}

export function sendScimError(reply: FastifyReply, status: number, body: ScimErrorBody): void {
  if (status === 401) void reply.header('www-authenticate', 'Bearer realm="SCIM"');
  void reply.status(status).type(SCIM_CONTENT_TYPE).send(body);
}

@Catch()
export class ScimExceptionFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const { status, body } = toScimError(exception);
    sendScimError(host.switchToHttp().getResponse<FastifyReply>(), status, body);
  }
}
