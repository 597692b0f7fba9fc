import { UseFilters } from '@nestjs/common';
import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { AdminPrincipal } from '../auth/admin-principal';
import {
  CurrentAdmin,
  READ_ROLES,
  RequireAdmin,
  SPEND_READ_ROLES,
  WRITE_ROLES,
} from '../auth/admin-auth.guard';
import { GovernanceErrorFilter } from './governance.errors';
import {
  EndpointSpendSettings,
  EndpointSpendSettingsInput,
  GovernanceSettings,
} from './governance.graphql';
import { actorOf } from './governance.types';
import { GovernanceSettingsService } from './governance-settings.service';

// The organization's governance settings and endpoint spend settings. Writes: owner and admin;
// reads: also auditors (and billing for endpoint spend settings).
@Resolver()
@UseFilters(GovernanceErrorFilter)
export class GovernanceSettingsResolver {
  constructor(private readonly settings: GovernanceSettingsService) {}

  @Query(() => GovernanceSettings)
  @RequireAdmin(...READ_ROLES)
  governanceSettings(@CurrentAdmin() admin: AdminPrincipal): Promise<GovernanceSettings> {
    return this.settings.settings(admin.organizationId) as Promise<GovernanceSettings>;
  }

  @Mutation(() => GovernanceSettings)
  @RequireAdmin(...WRITE_ROLES)
  setAutoApprovePlansAllowed(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('allowed') allowed: boolean,
  ): Promise<GovernanceSettings> {
    return this.settings.setAutoApprovePlansAllowed(
      admin.organizationId,
      allowed,
      actorOf(admin),
    ) as Promise<GovernanceSettings>;
  }

  @Query(() => EndpointSpendSettings)
  @RequireAdmin(...SPEND_READ_ROLES)
  endpointSpendSettings(@CurrentAdmin() admin: AdminPrincipal): Promise<EndpointSpendSettings> {
    return this.settings.endpointSpend(admin.organizationId);
  }

  @Mutation(() => EndpointSpendSettings, {
    description:
      'Replaces the endpoint spend settings; every endpoint gets them with its next bundle.',
  })
  @RequireAdmin(...WRITE_ROLES)
  setEndpointSpendSettings(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('input') input: EndpointSpendSettingsInput,
  ): Promise<EndpointSpendSettings> {
    return this.settings.setEndpointSpend(admin.organizationId, input, actorOf(admin));
  }
}
