import { UseFilters } from '@nestjs/common';
import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { AdminPrincipal } from '../auth/admin-principal';
import {
  CurrentAdmin,
  RequireAdmin,
  SPEND_READ_ROLES,
  WRITE_ROLES,
} from '../auth/admin-auth.guard';
import { GovernanceSubjectValue } from '../governance/governance.graphql';
import type { GovernanceActor } from '../governance/governance.types';
import { SpendErrorFilter } from './spend.errors';
import { SpendLimit, SpendLimitInput } from './spend.graphql';
import { SpendLimitsService } from './spend-limits.service';

function actorOf(admin: AdminPrincipal): GovernanceActor {
  return { type: 'admin', id: admin.adminId };
}

function spendLimitView(limit: {
  id: string;
  subjectType: string;
  subjectId: string;
  amountUsd: { toFixed(): string };
  period: string;
  enforcement: string;
  alertThresholds: number[];
}): SpendLimit {
  return { ...limit, amountUsd: limit.amountUsd.toFixed() } as SpendLimit;
}

// Spend limit definitions. Owners, admins, auditors and billing read; owners and admins write.
// Every id is looked up inside the signed-in admin's organization, so another organization's ids
// are NOT_FOUND.
@Resolver()
@UseFilters(SpendErrorFilter)
export class SpendLimitsResolver {
  constructor(private readonly limits: SpendLimitsService) {}

  @Query(() => [SpendLimit])
  @RequireAdmin(...SPEND_READ_ROLES)
  async spendLimits(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('subjectType', { type: () => GovernanceSubjectValue, nullable: true })
    subjectType?: GovernanceSubjectValue,
    @Args('subjectId', { type: () => ID, nullable: true }) subjectId?: string,
  ): Promise<SpendLimit[]> {
    const subject = subjectType && subjectId ? { type: subjectType, id: subjectId } : undefined;
    return (await this.limits.list(admin.organizationId, subject)).map(spendLimitView);
  }

  @Mutation(() => SpendLimit)
  @RequireAdmin(...WRITE_ROLES)
  async createSpendLimit(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('input') input: SpendLimitInput,
  ): Promise<SpendLimit> {
    return spendLimitView(await this.limits.create(admin.organizationId, input, actorOf(admin)));
  }

  @Mutation(() => SpendLimit)
  @RequireAdmin(...WRITE_ROLES)
  async updateSpendLimit(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('id', { type: () => ID }) id: string,
    @Args('input') input: SpendLimitInput,
  ): Promise<SpendLimit> {
    return spendLimitView(
      await this.limits.update(admin.organizationId, id, input, actorOf(admin)),
    );
  }

  @Mutation(() => Boolean)
  @RequireAdmin(...WRITE_ROLES)
  async deleteSpendLimit(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<boolean> {
    await this.limits.delete(admin.organizationId, id, actorOf(admin));
    return true;
  }
}
