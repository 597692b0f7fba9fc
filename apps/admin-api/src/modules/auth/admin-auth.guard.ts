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
import { GqlExecutionContext } from '@nestjs/graphql';
import type { FastifyRequest } from 'fastify';
import { GraphQLError } from 'graphql';
import { AdminPrincipal, AdminRole, CSRF_HEADER, SESSION_COOKIE } from './admin-principal';
import { csrfTokenMatches, SessionsService } from './sessions.service';

const ROLES = Symbol('admin-roles');
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

type AuthenticatedRequest = FastifyRequest & { admin?: AdminPrincipal };

function requestOf(context: ExecutionContext): {
  request: AuthenticatedRequest;
  graphql: boolean;
  mutation: boolean;
} {
  if (context.getType<string>() === 'graphql') {
    const gql = GqlExecutionContext.create(context);
    return {
      request: gql.getContext<{ request: AuthenticatedRequest }>().request,
      graphql: true,
      mutation: gql.getInfo().operation.operation === 'mutation',
    };
  }
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  return { request, graphql: false, mutation: !SAFE_METHODS.has(request.method) };
}

function refuse(graphql: boolean, code: 'UNAUTHENTICATED' | 'FORBIDDEN', message: string): never {
  if (graphql) throw new GraphQLError(message, { extensions: { code } });
  throw code === 'UNAUTHENTICATED'
    ? new UnauthorizedException(message)
    : new ForbiddenException(message);
}

// Signed-in admins only; with roles, only those roles. State-changing requests (GraphQL mutations,
// non-GET REST) must also carry the session's CSRF token in a header, which a cross-site page
// cannot read or forge.
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(
    private readonly sessions: SessionsService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const { request, graphql, mutation } = requestOf(context);
    const token = request.cookies?.[SESSION_COOKIE];
    const admin = request.admin ?? (await this.sessions.resolve(token));
    if (!admin) refuse(graphql, 'UNAUTHENTICATED', 'sign in to continue');
    if (mutation && !csrfTokenMatches(token!, request.headers[CSRF_HEADER] as string | undefined)) {
      refuse(graphql, 'FORBIDDEN', 'missing or wrong CSRF token');
    }
    const roles = this.reflector.getAllAndOverride<AdminRole[] | undefined>(ROLES, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (roles?.length && !roles.includes(admin.role)) {
      refuse(
        graphql,
        'FORBIDDEN',
        `this needs the ${roles.join(' or ')} role; you are ${admin.role}`,
      );
    }
    request.admin = admin;
    return true;
  }
}

// On a resolver or controller (class or method): signed-in admins, of the given roles if any.
export function RequireAdmin(...roles: AdminRole[]) {
  return applyDecorators(SetMetadata(ROLES, roles), UseGuards(AdminAuthGuard));
}

export const CurrentAdmin = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AdminPrincipal => {
    const { request } = requestOf(context);
    if (!request.admin) throw new Error('CurrentAdmin used without RequireAdmin');
    return request.admin;
  },
);
