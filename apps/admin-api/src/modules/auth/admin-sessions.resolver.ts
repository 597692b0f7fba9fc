import { Args, Field, ID, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { AdminRole } from './admin-role.graphql';
import type { AdminPrincipal } from './admin-principal';
import { CurrentAdmin, OWNER_ROLES, READ_ROLES, RequireAdmin } from './admin-auth.guard';
import { AuthService } from './auth.service';
import { SessionsService } from './sessions.service';

@ObjectType({ description: 'A console session of an admin of the organization.' })
class AdminSessionInfo {
  @Field(() => ID) id!: string;
  @Field(() => ID) adminId!: string;
  @Field() email!: string;
  @Field(() => AdminRole) role!: AdminRole;
  @Field() createdAt!: Date;
  @Field() lastSeenAt!: Date;
  @Field() expiresAt!: Date;
  @Field({ description: 'The session this request uses.' }) current!: boolean;
}

@ObjectType({ description: 'An administrator of the organization, as of their last sign-in.' })
class AdminInfo {
  @Field(() => ID) id!: string;
  @Field() email!: string;
  @Field(() => String, { nullable: true }) name!: string | null;
  @Field(() => AdminRole) role!: AdminRole;
  @Field({ description: 'bootstrap (first-run link) or saml: how the admin last signed in.' })
  source!: string;
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true }) lastSignInAt!: Date | null;
}

@Resolver()
export class AdminSessionsResolver {
  constructor(
    private readonly sessions: SessionsService,
    private readonly auth: AuthService,
  ) {}

  @Query(() => [AdminInfo], { description: 'The organization’s admins, highest role first.' })
  @RequireAdmin(...READ_ROLES)
  admins(@CurrentAdmin() admin: AdminPrincipal): Promise<AdminInfo[]> {
    return this.auth.listAdmins(admin.organizationId);
  }

  @Query(() => [AdminSessionInfo], { description: 'Live console sessions (owner only).' })
  @RequireAdmin(...OWNER_ROLES)
  async adminSessions(@CurrentAdmin() owner: AdminPrincipal): Promise<AdminSessionInfo[]> {
    return (await this.sessions.listLive(owner.organizationId)).map((session) => ({
      id: session.id,
      adminId: session.admin.id,
      email: session.admin.email,
      role: session.admin.role,
      createdAt: session.createdAt,
      lastSeenAt: session.lastSeenAt,
      expiresAt: session.expiresAt,
      current: session.id === owner.sessionId,
    }));
  }

  @Mutation(() => Boolean, {
    description: 'Ends a console session (owner only); false when there is no such live session.',
  })
  @RequireAdmin(...OWNER_ROLES)
  revokeAdminSession(
    @CurrentAdmin() owner: AdminPrincipal,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<boolean> {
    return this.auth.revokeSession(owner, id);
  }
}
