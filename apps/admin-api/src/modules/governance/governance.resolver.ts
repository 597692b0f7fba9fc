import { UseFilters } from '@nestjs/common';
import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { AdminPrincipal } from '../auth/admin-principal';
import { CurrentAdmin, RequireAdmin } from '../auth/admin-auth.guard';
import { GovernanceErrorFilter } from './governance.errors';
import {
  EndpointSpendSettings,
  EndpointSpendSettingsInput,
  CeilingEntryInput,
  GovernanceSettings,
  GovernanceSubjectValue,
  Role,
  RoleBindingView,
  RoleInput,
  SpendLimit,
  SpendLimitInput,
} from './governance.graphql';
import type { RoleRecord } from './governance.repository';
import { GovernanceService } from './governance.service';
import type { GovernanceActor } from './governance.types';

export function actorOf(admin: AdminPrincipal): GovernanceActor {
  return { type: 'admin', id: admin.adminId };
}

function roleView(role: RoleRecord): Role {
  return {
    id: role.id,
    name: role.name,
    description: role.description,
    capabilities: role.capabilities,
    connectorRules: role.connectorRules.map((rule) => ({
      connectorId: rule.connectorId,
      connectorName: rule.connector.name,
      read: rule.read,
      write: rule.write,
      toolOverrides: Object.entries(rule.toolOverrides as Record<string, string>).map(
        ([tool, decision]) => ({ tool, decision }),
      ),
    })) as Role['connectorRules'],
    folderRoots: role.folderRoots.map((root) => ({
      pattern: root.pattern,
      access: root.access,
      os: root.os,
    })) as Role['folderRoots'],
    bindings: role.bindings as RoleBindingView[],
  };
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

// Roles, bindings, folder ceiling, approval settings and spend limits. Writes: owner and admin;
// reads: also auditors (and billing for spend limits). Every id is looked up inside the signed-in
// admin's organization, so another organization's ids are NOT_FOUND.
@Resolver()
@UseFilters(GovernanceErrorFilter)
export class GovernanceResolver {
  constructor(private readonly governance: GovernanceService) {}

  @Query(() => [Role])
  @RequireAdmin('owner', 'admin', 'auditor')
  async roles(@CurrentAdmin() admin: AdminPrincipal): Promise<Role[]> {
    return (await this.governance.listRoles(admin.organizationId)).map(roleView);
  }

  @Query(() => Role)
  @RequireAdmin('owner', 'admin', 'auditor')
  async role(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<Role> {
    return roleView(await this.governance.role(admin.organizationId, id));
  }

  @Mutation(() => Role)
  @RequireAdmin('owner', 'admin')
  async createRole(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('input') input: RoleInput,
  ): Promise<Role> {
    return roleView(await this.governance.createRole(admin.organizationId, input, actorOf(admin)));
  }

  @Mutation(() => Role)
  @RequireAdmin('owner', 'admin')
  async updateRole(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('id', { type: () => ID }) id: string,
    @Args('input') input: RoleInput,
  ): Promise<Role> {
    return roleView(
      await this.governance.updateRole(admin.organizationId, id, input, actorOf(admin)),
    );
  }

  @Mutation(() => Boolean)
  @RequireAdmin('owner', 'admin')
  async deleteRole(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<boolean> {
    await this.governance.deleteRole(admin.organizationId, id, actorOf(admin));
    return true;
  }

  @Mutation(() => RoleBindingView)
  @RequireAdmin('owner', 'admin')
  async bindRole(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('roleId', { type: () => ID }) roleId: string,
    @Args('subjectType', { type: () => GovernanceSubjectValue })
    subjectType: GovernanceSubjectValue,
    @Args('subjectId', { type: () => ID }) subjectId: string,
  ): Promise<RoleBindingView> {
    return (await this.governance.bindRole(
      admin.organizationId,
      roleId,
      subjectType,
      subjectId,
      actorOf(admin),
    )) as RoleBindingView;
  }

  @Mutation(() => Boolean)
  @RequireAdmin('owner', 'admin')
  async unbindRole(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('bindingId', { type: () => ID }) bindingId: string,
  ): Promise<boolean> {
    await this.governance.unbindRole(admin.organizationId, bindingId, actorOf(admin));
    return true;
  }

  @Query(() => GovernanceSettings)
  @RequireAdmin('owner', 'admin', 'auditor')
  governanceSettings(@CurrentAdmin() admin: AdminPrincipal): Promise<GovernanceSettings> {
    return this.governance.settings(admin.organizationId) as Promise<GovernanceSettings>;
  }

  @Mutation(() => GovernanceSettings)
  @RequireAdmin('owner', 'admin')
  setCeilingDefaultEnabled(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('id') id: string,
    @Args('enabled') enabled: boolean,
  ): Promise<GovernanceSettings> {
    return this.governance.setCeilingDefaultEnabled(
      admin.organizationId,
      id,
      enabled,
      actorOf(admin),
    ) as Promise<GovernanceSettings>;
  }

  @Mutation(() => GovernanceSettings)
  @RequireAdmin('owner', 'admin')
  addCeilingEntry(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('input') input: CeilingEntryInput,
  ): Promise<GovernanceSettings> {
    return this.governance.addCeilingEntry(
      admin.organizationId,
      input,
      actorOf(admin),
    ) as Promise<GovernanceSettings>;
  }

  @Mutation(() => GovernanceSettings)
  @RequireAdmin('owner', 'admin')
  removeCeilingEntry(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<GovernanceSettings> {
    return this.governance.removeCeilingEntry(
      admin.organizationId,
      id,
      actorOf(admin),
    ) as Promise<GovernanceSettings>;
  }

  @Mutation(() => GovernanceSettings)
  @RequireAdmin('owner', 'admin')
  setAutoApprovePlansAllowed(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('allowed') allowed: boolean,
  ): Promise<GovernanceSettings> {
    return this.governance.setAutoApprovePlansAllowed(
      admin.organizationId,
      allowed,
      actorOf(admin),
    ) as Promise<GovernanceSettings>;
  }

  @Mutation(() => GovernanceSettings)
  @RequireAdmin('owner', 'admin')
  setWebAllowedHosts(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('hosts', { type: () => [String] }) hosts: string[],
  ): Promise<GovernanceSettings> {
    return this.governance.setWebAllowedHosts(
      admin.organizationId,
      hosts,
      actorOf(admin),
    ) as Promise<GovernanceSettings>;
  }

  @Query(() => EndpointSpendSettings)
  @RequireAdmin('owner', 'admin', 'auditor', 'billing')
  endpointSpendSettings(@CurrentAdmin() admin: AdminPrincipal): Promise<EndpointSpendSettings> {
    return this.governance.endpointSpend(admin.organizationId);
  }

  @Mutation(() => EndpointSpendSettings, {
    description:
      'Replaces the endpoint spend settings; every endpoint gets them with its next bundle.',
  })
  @RequireAdmin('owner', 'admin')
  setEndpointSpendSettings(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('input') input: EndpointSpendSettingsInput,
  ): Promise<EndpointSpendSettings> {
    return this.governance.setEndpointSpend(admin.organizationId, input, actorOf(admin));
  }

  @Query(() => [SpendLimit])
  @RequireAdmin('owner', 'admin', 'auditor', 'billing')
  async spendLimits(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('subjectType', { type: () => GovernanceSubjectValue, nullable: true })
    subjectType?: GovernanceSubjectValue,
    @Args('subjectId', { type: () => ID, nullable: true }) subjectId?: string,
  ): Promise<SpendLimit[]> {
    const subject = subjectType && subjectId ? { type: subjectType, id: subjectId } : undefined;
    return (await this.governance.listSpendLimits(admin.organizationId, subject)).map(
      spendLimitView,
    );
  }

  @Mutation(() => SpendLimit)
  @RequireAdmin('owner', 'admin')
  async createSpendLimit(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('input') input: SpendLimitInput,
  ): Promise<SpendLimit> {
    return spendLimitView(
      await this.governance.createSpendLimit(admin.organizationId, input, actorOf(admin)),
    );
  }

  @Mutation(() => SpendLimit)
  @RequireAdmin('owner', 'admin')
  async updateSpendLimit(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('id', { type: () => ID }) id: string,
    @Args('input') input: SpendLimitInput,
  ): Promise<SpendLimit> {
    return spendLimitView(
      await this.governance.updateSpendLimit(admin.organizationId, id, input, actorOf(admin)),
    );
  }

  @Mutation(() => Boolean)
  @RequireAdmin('owner', 'admin')
  async deleteSpendLimit(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<boolean> {
    await this.governance.deleteSpendLimit(admin.organizationId, id, actorOf(admin));
    return true;
  }
}
