import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { CredentialsService } from '../credentials/credentials.service';
import { ScimError, ScimErrorCode } from './scim.errors';
import type { ScimCaller } from './scim.service';

type ScimRequest = FastifyRequest & { scimCaller?: ScimCaller };

// The organization comes from the bearer token alone: no id in a URL or body can reach another
// organization's directory.
@Injectable()
export class ScimAuthGuard implements CanActivate {
  constructor(private readonly credentials: CredentialsService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<ScimRequest>();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    const credential = match ? await this.credentials.authenticate(match[1], 'scim') : null;
    if (!credential)
      throw new ScimError(ScimErrorCode.Unauthorized, 'a valid SCIM bearer token is required');
    request.scimCaller = { organizationId: credential.organizationId, credentialId: credential.id };
    return true;
  }
}

export const Caller = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ScimCaller => {
    const caller = context.switchToHttp().getRequest<ScimRequest>().scimCaller;
    if (!caller)
      throw new ScimError(ScimErrorCode.Unauthorized, 'a valid SCIM bearer token is required');
    return caller;
  },
);
