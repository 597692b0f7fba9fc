import {
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { EndpointSessions } from './endpoint-sessions';
import type { AuthenticatedEndpoint } from './endpoint-sessions';

type EndpointRequest = FastifyRequest & { endpoint?: AuthenticatedEndpoint };

// Endpoint calls: `Authorization: Bearer stw_ep_…` of an enrolled, unrevoked endpoint.
@Injectable()
export class EndpointAuthGuard implements CanActivate {
  constructor(private readonly sessions: EndpointSessions) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<EndpointRequest>();
    const endpoint = await this.sessions.authenticate(request.headers.authorization);
    if (!endpoint) {
      throw new UnauthorizedException({
        message: 'an endpoint credential (Authorization: Bearer stw_ep_…) is required',
        code: 'endpoint_unauthenticated',
      });
    }
    request.endpoint = endpoint;
    return true;
  }
}

export const CurrentEndpoint = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedEndpoint => {
    const endpoint = context.switchToHttp().getRequest<EndpointRequest>().endpoint;
    if (!endpoint) throw new Error('CurrentEndpoint used without EndpointAuthGuard');
    return endpoint;
  },
);
