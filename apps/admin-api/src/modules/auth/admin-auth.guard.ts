// Admin roles and how a resolver or controller declares who may call it:
//   owner   everything, and alone the owner-only settings (SAML, IdP group to role mapping).
//   admin   everything but the owner-only settings.
//   auditor reads everything and may export; changes nothing.
//   billing spend and analytics only (reads them, manages spend limits); no directory, no audit.
// Put one of these on each query/mutation/route (or its class), e.g.
//   @RequireAdmin(...READ_ROLES) on a directory or governance query,
//   @RequireAdmin(...WRITE_ROLES) on any mutation that changes the organization,
//   @RequireAdmin(...OWNER_ROLES) on owner-only settings,
//   @RequireAdmin(...SPEND_READ_ROLES) / (...SPEND_WRITE_ROLES) for spend and analytics,
//   @RequireAdmin(...EXPORT_ROLES) on exports (auditors may export).
// @RequireAdmin() with no roles admits any signed-in admin (the viewer, sign-out). Mutations and
// non-GET routes also need the session's CSRF header. Tests: test/support/admin-roles.ts.
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

export const OWNER_ROLES: readonly AdminRole[] = ['owner'];
export const WRITE_ROLES: readonly AdminRole[] = ['owner', 'admin'];
export const READ_ROLES: readonly AdminRole[] = ['owner', 'admin', 'auditor'];
export const EXPORT_ROLES: readonly AdminRole[] = ['owner', 'admin', 'auditor'];
export const SPEND_READ_ROLES: readonly AdminRole[] = ['owner', 'admin', 'auditor', 'billing'];
export const SPEND_WRITE_ROLES: readonly AdminRole[] = ['owner', 'admin', 'billing'];

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
