import { UseFilters } from '@nestjs/common';
import { Args, Context, Field, ID, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import type { FastifyRequest } from 'fastify';
import { OrganizationErrorFilter } from '../organizations/organizations.errors';
import { OrganizationsService } from '../organizations/organizations.service';
import { CurrentAdmin, OWNER_ROLES, RequireAdmin } from './admin-auth.guard';
import { AdminRole, SESSION_COOKIE } from './admin-principal';
import type { AdminPrincipal } from './admin-principal';
import { AdminsRepository } from './admins.repository';
import { SessionsService } from './sessions.service';

@ObjectType()
export class ViewerOrganization {
  @Field(() => ID) id!: string;
  @Field() slug!: string;
  @Field() name!: string;
}

@ObjectType({ description: 'The signed-in admin.' })
export class Viewer {
  @Field(() => ID) id!: string;
  @Field() email!: string;
  @Field(() => String, { nullable: true }) name!: string | null;
  @Field(() => String) role!: AdminRole;
  @Field(() => ViewerOrganization) organization!: ViewerOrganization;
}

@Resolver(() => Viewer)
@UseFilters(OrganizationErrorFilter)
export class ViewerResolver {
  constructor(
    private readonly sessions: SessionsService,
    private readonly admins: AdminsRepository,
    private readonly organizations: OrganizationsService,
  ) {}

  @Query(() => Viewer, {
    nullable: true,
    description: 'The signed-in admin, or null when signed out.',
  })
  async viewer(@Context('request') request: FastifyRequest): Promise<Viewer | null> {
    const principal = await this.sessions.resolve(request.cookies?.[SESSION_COOKIE]);
    if (!principal) return null;
    const [admin, organization] = await Promise.all([
      this.admins.findById(principal.organizationId, principal.adminId),
      this.organizations.findById(principal.organizationId),
    ]);
    if (!admin || !organization) return null;
    return {
      id: admin.id,
      email: admin.email,
      name: admin.name,
      role: admin.role,
      organization: { id: organization.id, slug: organization.slug, name: organization.name },
    };
  }

  @Mutation(() => ViewerOrganization, {
    description: 'Renames the organization; its slug (in sign-in and SCIM URLs) stays.',
  })
  @RequireAdmin(...OWNER_ROLES)
  async renameOrganization(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('name') name: string,
  ): Promise<ViewerOrganization> {
    const organization = await this.organizations.rename(admin.organizationId, name, {
      type: 'admin',
      id: admin.adminId,
    });
    return { id: organization.id, slug: organization.slug, name: organization.name };
  }
}
