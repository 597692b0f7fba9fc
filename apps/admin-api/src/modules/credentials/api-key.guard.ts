import {
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  SetMetadata,
  UnauthorizedException,
  UseGuards,
  applyDecorators,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiBearerAuth } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { AnalyticsScope } from './credential-types';
import { CredentialsService } from './credentials.service';

export interface ApiKeyCaller {
  organizationId: string;
  credentialId: string;
  scopes: string[];
}

const SCOPE = Symbol('api-key-scope');
type ApiKeyRequest = FastifyRequest & { apiKeyCaller?: ApiKeyCaller };

// Analytics API keys (stw_ak_…, CredentialsService type `analytics`): the organization comes from
// the key alone, and the route's scope must be among the key's.
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly credentials: CredentialsService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<ApiKeyRequest>();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    const credential = match ? await this.credentials.authenticate(match[1]!, 'analytics') : null;
    if (!credential) throw new UnauthorizedException('a valid Analytics API key is required');
    const scope = this.reflector.getAllAndOverride<AnalyticsScope | undefined>(SCOPE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (scope && !credential.scopes.includes(scope)) {
      throw new ForbiddenException(`this API key lacks the ${scope} scope`);
    }
    request.apiKeyCaller = {
      organizationId: credential.organizationId,
      credentialId: credential.id,
      scopes: credential.scopes,
    };
    return true;
  }
}

export function RequireApiKey(scope: AnalyticsScope) {
  return applyDecorators(SetMetadata(SCOPE, scope), UseGuards(ApiKeyGuard), ApiBearerAuth());
}

export const CurrentApiKey = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ApiKeyCaller => {
    const caller = context.switchToHttp().getRequest<ApiKeyRequest>().apiKeyCaller;
    if (!caller) throw new UnauthorizedException('a valid Analytics API key is required');
    return caller;
  },
);
