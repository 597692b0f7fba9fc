import { UseFilters } from '@nestjs/common';
import { Args, Field, ID, Int, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import type { AdminPrincipal } from '../auth/admin-principal';
import { CurrentAdmin, OWNER_ROLES, READ_ROLES, RequireAdmin } from '../auth/admin-auth.guard';
import { BundleErrorFilter } from './bundle.errors';
import { BundlesService } from './bundles.service';
import { SigningKeysService } from './signing-keys.service';

@ObjectType()
class SigningKeyView {
  @Field() keyId!: string;
  @Field() publicKey!: string;
  @Field() status!: string;
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true }) notAfter!: Date | null;
  @Field(() => Date, { nullable: true }) revokedAt!: Date | null;
}

@ObjectType()
class BundlePublishView {
  @Field(() => ID) id!: string;
  @Field() reason!: string;
  @Field(() => Int) subjectCount!: number;
  @Field() createdAt!: Date;
}

@ObjectType()
class RolloutFailure {
  @Field(() => ID) endpointId!: string;
  @Field() deviceName!: string;
  @Field(() => ID) userId!: string;
  @Field(() => Int) version!: number;
  @Field(() => String, { nullable: true }) reportedReason!: string | null;
}

@ObjectType()
class BundleRollout {
  @Field(() => BundlePublishView) publish!: BundlePublishView;
  @Field(() => Int, { description: 'Endpoints that got a bundle in this publish.' }) total!: number;
  @Field(() => Int, { description: 'Running this version or a newer one.' }) current!: number;
  @Field(() => Int, { description: 'Not yet reporting this version.' }) behind!: number;
  @Field(() => [RolloutFailure], { description: 'Last report says verification failed.' })
  failed!: RolloutFailure[];
}

@Resolver()
@UseFilters(BundleErrorFilter)
export class BundlesResolver {
  constructor(
    private readonly keys: SigningKeysService,
    private readonly bundles: BundlesService,
  ) {}

  @Query(() => [SigningKeyView], { description: 'The organization’s bundle-signing keys.' })
  @RequireAdmin(...READ_ROLES)
  signingKeys(@CurrentAdmin() admin: AdminPrincipal) {
    return this.keys.list(admin.organizationId);
  }

  @Mutation(() => SigningKeyView, {
    description: 'New signing key, announced by the current one, which retires after the grace.',
  })
  @RequireAdmin(...OWNER_ROLES)
  async rotateSigningKey(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('graceHours', { type: () => Int, nullable: true }) graceHours?: number,
  ) {
    const key = await this.keys.rotate(
      admin.organizationId,
      { type: 'admin', id: admin.adminId },
      graceHours ?? undefined,
    );
    await this.bundles.publishForUsers(admin.organizationId, 'all', 'signing_key.rotated', {
      type: 'admin',
      id: admin.adminId,
    });
    return key;
  }

  @Mutation(() => SigningKeyView, { description: 'Revokes a compromised signing key for good.' })
  @RequireAdmin(...OWNER_ROLES)
  async revokeSigningKey(@CurrentAdmin() admin: AdminPrincipal, @Args('keyId') keyId: string) {
    const key = await this.keys.revoke(admin.organizationId, keyId, {
      type: 'admin',
      id: admin.adminId,
    });
    await this.bundles.publishForUsers(admin.organizationId, 'all', 'signing_key.revoked', {
      type: 'admin',
      id: admin.adminId,
    });
    return key;
  }

  @Query(() => [BundlePublishView], { description: 'Recent bundle publishes, newest first.' })
  @RequireAdmin(...READ_ROLES)
  bundlePublishes(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
  ) {
    return this.bundles.publishes(admin.organizationId, first ?? 20);
  }

  @Query(() => BundleRollout, { description: 'How far one publish has reached the endpoints.' })
  @RequireAdmin(...READ_ROLES)
  bundleRollout(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('publishId', { type: () => ID }) publishId: string,
  ) {
    return this.bundles.rollout(admin.organizationId, publishId);
  }
}
