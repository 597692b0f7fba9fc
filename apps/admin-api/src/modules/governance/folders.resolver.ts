import { UseFilters } from '@nestjs/common';
import { Args, ID, Mutation, Resolver } from '@nestjs/graphql';
import type { AdminPrincipal } from '../auth/admin-principal';
import { CurrentAdmin, RequireAdmin, WRITE_ROLES } from '../auth/admin-auth.guard';
import { FoldersService } from './folders.service';
import { GovernanceErrorFilter } from './governance.errors';
import { CeilingEntryInput, GovernanceSettings } from './governance.graphql';
import { actorOf } from './governance.types';

// The folder ceiling and the web hosts (owner and admin); each answers with the settings.
@Resolver()
@UseFilters(GovernanceErrorFilter)
export class FoldersResolver {
  constructor(private readonly folders: FoldersService) {}

  @Mutation(() => GovernanceSettings)
  @RequireAdmin(...WRITE_ROLES)
  setCeilingDefaultEnabled(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('id') id: string,
    @Args('enabled') enabled: boolean,
  ): Promise<GovernanceSettings> {
    return this.folders.setCeilingDefaultEnabled(
      admin.organizationId,
      id,
      enabled,
      actorOf(admin),
    ) as Promise<GovernanceSettings>;
  }

  @Mutation(() => GovernanceSettings)
  @RequireAdmin(...WRITE_ROLES)
  addCeilingEntry(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('input') input: CeilingEntryInput,
  ): Promise<GovernanceSettings> {
    return this.folders.addCeilingEntry(
      admin.organizationId,
      input,
      actorOf(admin),
    ) as Promise<GovernanceSettings>;
  }

  @Mutation(() => GovernanceSettings)
  @RequireAdmin(...WRITE_ROLES)
  removeCeilingEntry(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<GovernanceSettings> {
    return this.folders.removeCeilingEntry(
      admin.organizationId,
      id,
      actorOf(admin),
    ) as Promise<GovernanceSettings>;
  }

  @Mutation(() => GovernanceSettings)
  @RequireAdmin(...WRITE_ROLES)
  setWebAllowedHosts(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('hosts', { type: () => [String] }) hosts: string[],
  ): Promise<GovernanceSettings> {
    return this.folders.setWebAllowedHosts(
      admin.organizationId,
      hosts,
      actorOf(admin),
    ) as Promise<GovernanceSettings>;
  }
}
