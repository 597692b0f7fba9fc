import { UseFilters } from '@nestjs/common';
import { Args, Field, ID, Int, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import type { AdminPrincipal } from '../auth/admin-principal';
import { CurrentAdmin, READ_ROLES, RequireAdmin, WRITE_ROLES } from '../auth/admin-auth.guard';
import { BundleErrorFilter } from '../bundles/bundle.errors';
import { EndpointsService } from './endpoints.service';

@ObjectType()
class EndpointReportedError {
  @Field() code!: string;
  @Field() message!: string;
}

@ObjectType({
  description: 'An agent the endpoint governs (Claude Code) and what it last applied.',
})
class GovernedAgentView {
  @Field() agent!: string;
  @Field(() => String, { nullable: true, description: "The agent's version, from its telemetry." })
  version!: string | null;
  @Field(() => String, {
    nullable: true,
    description: "`policy`: the bundle's rules; `deny-all`: no valid bundle, everything refused.",
  })
  access!: string | null;
  @Field(() => Int, {
    nullable: true,
    description: 'Bundle version the applied settings came from.',
  })
  bundleVersion!: number | null;
  @Field(() => String, { nullable: true, description: 'Why everything is refused (deny-all).' })
  reason!: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'When the settings were written (ISO 8601).',
  })
  appliedAt!: string | null;
}

@ObjectType()
class EndpointView {
  @Field(() => ID) id!: string;
  @Field(() => ID) userId!: string;
  @Field() deviceName!: string;
  @Field() os!: string;
  @Field() runtimeVersion!: string;
  @Field() enrolledAt!: Date;
  @Field(() => Date, { nullable: true }) lastSeenAt!: Date | null;
  @Field(() => Date, { nullable: true }) revokedAt!: Date | null;
  @Field(() => Int, { description: 'Latest bundle version published to this endpoint.' })
  bundleVersion!: number;
  @Field(() => Int, { nullable: true, description: 'Bundle version the endpoint reports running.' })
  reportedVersion!: number | null;
  @Field(() => Boolean, { nullable: true, description: 'Whether its last pulled bundle verified.' })
  reportedVerified!: boolean | null;
  @Field(() => String, { nullable: true, description: 'Refusal reason when it did not verify.' })
  reportedReason!: string | null;
  @Field(() => [EndpointReportedError], { description: 'Errors of the last status report.' })
  reportedErrors!: EndpointReportedError[];
  @Field(() => Date, { nullable: true }) reportedAt!: Date | null;
  @Field(() => [GovernedAgentView], { description: 'Agents the endpoint governs (Claude Code).' })
  governedAgents!: GovernedAgentView[];
}

@Resolver()
@UseFilters(BundleErrorFilter)
export class EndpointsResolver {
  constructor(private readonly service: EndpointsService) {}

  @Query(() => [EndpointView], { description: 'Enrolled endpoints, newest first.' })
  @RequireAdmin(...READ_ROLES)
  endpoints(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('userId', { type: () => ID, nullable: true }) userId?: string,
    @Args('includeRevoked', { nullable: true }) includeRevoked?: boolean,
  ) {
    return this.service.list(admin.organizationId, {
      userId: userId ?? undefined,
      includeRevoked: includeRevoked ?? false,
    });
  }

  @Mutation(() => EndpointView, { description: 'Revokes an endpoint and its credential.' })
  @RequireAdmin(...WRITE_ROLES)
  async revokeEndpoint(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('id', { type: () => ID }) id: string,
  ) {
    return this.service.revoke(admin.organizationId, id, { type: 'admin', id: admin.adminId });
  }
}
