import { UseFilters } from '@nestjs/common';
import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { AdminPrincipal } from '../auth/admin-principal';
import { CurrentAdmin, READ_ROLES, RequireAdmin, WRITE_ROLES } from '../auth/admin-auth.guard';
import { GovernanceErrorFilter } from './governance.errors';
import { GovernanceSubjectValue, Role, RoleBindingView, RoleInput } from './governance.graphql';
import type { RoleRecord } from './governance.repository';
import { actorOf } from './governance.types';
import { RolesService } from './roles.service';

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

// Roles and their bindings. Writes: owner and admin; reads: also auditors. Every id is looked up
// inside the signed-in admin's organization, so another organization's ids are NOT_FOUND.
@Resolver()
@UseFilters(GovernanceErrorFilter)
export class RolesResolver {
  constructor(private readonly service: RolesService) {}

  @Query(() => [Role])
  @RequireAdmin(...READ_ROLES)
  async roles(@CurrentAdmin() admin: AdminPrincipal): Promise<Role[]> {
    return (await this.service.listRoles(admin.organizationId)).map(roleView);
  }

  @Query(() => Role)
  @RequireAdmin(...READ_ROLES)
  async role(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<Role> {
    return roleView(await this.service.role(admin.organizationId, id));
  }

  @Mutation(() => Role)
  @RequireAdmin(...WRITE_ROLES)
  async createRole(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('input') input: RoleInput,
  ): Promise<Role> {
    return roleView(await this.service.createRole(admin.organizationId, input, actorOf(admin)));
  }

  @Mutation(() => Role)
  @RequireAdmin(...WRITE_ROLES)
  async updateRole(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('id', { type: () => ID }) id: string,
    @Args('input') input: RoleInput,
  ): Promise<Role> {
    return roleView(await this.service.updateRole(admin.organizationId, id, input, actorOf(admin)));
  }

  @Mutation(() => Boolean)
  @RequireAdmin(...WRITE_ROLES)
  async deleteRole(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<boolean> {
    await this.service.deleteRole(admin.organizationId, id, actorOf(admin));
    return true;
  }

  @Mutation(() => RoleBindingView)
  @RequireAdmin(...WRITE_ROLES)
  async bindRole(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('roleId', { type: () => ID }) roleId: string,
    @Args('subjectType', { type: () => GovernanceSubjectValue })
    subjectType: GovernanceSubjectValue,
    @Args('subjectId', { type: () => ID }) subjectId: string,
  ): Promise<RoleBindingView> {
    return (await this.service.bindRole(
      admin.organizationId,
      roleId,
      subjectType,
      subjectId,
      actorOf(admin),
    )) as RoleBindingView;
  }

  @Mutation(() => Boolean)
  @RequireAdmin(...WRITE_ROLES)
  async unbindRole(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('bindingId', { type: () => ID }) bindingId: string,
  ): Promise<boolean> {
    await this.service.unbindRole(admin.organizationId, bindingId, actorOf(admin));
    return true;
  }
}
