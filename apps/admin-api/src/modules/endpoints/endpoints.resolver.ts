import { Args, Field, ID, Int, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import type { AdminPrincipal } from '../auth/admin-principal';
import { CurrentAdmin, RequireAdmin } from '../auth/admin-auth.guard';
import { errorToGraphQL } from '../bundles/bundle.errors';
import { EndpointsService } from './endpoints.service';

@ObjectType()
class EndpointReportedError {
  @Field() code!: string;
  @Field() message!: string;
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
}

@Resolver()
export class EndpointsResolver {
  constructor(private readonly service: EndpointsService) {}

  @Query(() => [EndpointView], { description: 'Enrolled endpoints, newest first.' })
  @RequireAdmin('owner', 'admin', 'auditor')
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
  @RequireAdmin('owner', 'admin')
  async revokeEndpoint(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('id', { type: () => ID }) id: string,
  ) {
    try {
      return await this.service.revoke(admin.organizationId, id, {
        type: 'admin',
        id: admin.adminId,
      });
    } catch (error) {
      throw errorToGraphQL(error);
    }
  }
}
