import { Injectable, OnModuleInit } from '@nestjs/common';
import { CAPABILITIES, unknownCapabilities } from '@steward/policy';
import { DirectoryService } from '../directory/directory.service';
import { GovernanceError, GovernanceErrorCode } from './governance.errors';
import { GovernanceRepository } from './governance.repository';
import type { RoleRecord } from './governance.repository';
import type { GovernanceActor, RoleWrite, Subject } from './governance.types';
import { GovernanceWrites } from './governance-writes';
import { validatePattern } from './folders.service';
import { isUuid } from '../../platform/database/uuid';

// Roles (capabilities, connector and folder rules) and their bindings to groups and people. A
// change reaches the users holding the role before it and, for a binding, the subject's users.
@Injectable()
export class RolesService implements OnModuleInit {
  constructor(
    private readonly repository: GovernanceRepository,
    private readonly directory: DirectoryService,
    private readonly writes: GovernanceWrites,
  ) {}

  // A deleted user's or group's role bindings go with it, in the directory's transaction (no
  // foreign key can name a subject of either type; spend limits do the same in modules/spend).
  onModuleInit(): void {
    this.directory.onSubjectDeleted(async (tx, subject) => ({
      removedRoleBindings: await this.repository.deleteRoleBindingsOf(tx, subject.type, subject.id),
    }));
  }

  listRoles(organizationId: string): Promise<RoleRecord[]> {
    return this.repository.listRoles(organizationId);
  }

  async role(organizationId: string, id: string): Promise<RoleRecord> {
    const role = isUuid(id) ? await this.repository.findRole(organizationId, id) : null;
    if (!role) throw new GovernanceError(GovernanceErrorCode.NotFound, `no role ${id}`);
    return role;
  }

  async createRole(
    organizationId: string,
    input: RoleWrite,
    actor: GovernanceActor,
  ): Promise<RoleRecord> {
    const role = normaliseRole(input);
    await this.validateRole(organizationId, role);
    const id = await this.writes.write(organizationId, null, async (tx) => {
      const created = await this.repository.createRole(tx, organizationId, role);
      await this.writes.record(
        tx,
        organizationId,
        actor,
        'governance.role.created',
        'role',
        created,
        roleAudit(role),
      );
      return created;
    });
    return this.role(organizationId, id);
  }

  async updateRole(
    organizationId: string,
    id: string,
    input: RoleWrite,
    actor: GovernanceActor,
  ): Promise<RoleRecord> {
    const current = await this.role(organizationId, id);
    const role = normaliseRole(input);
    await this.validateRole(organizationId, role);
    const affected = await this.usersHoldingRole(organizationId, current);
    await this.writes.write(organizationId, affected, async (tx) => {
      await this.repository.replaceRole(tx, organizationId, id, role);
      await this.writes.record(
        tx,
        organizationId,
        actor,
        'governance.role.updated',
        'role',
        id,
        roleAudit(role),
      );
    });
    return this.role(organizationId, id);
  }

  async deleteRole(organizationId: string, id: string, actor: GovernanceActor): Promise<void> {
    const current = await this.role(organizationId, id);
    const affected = await this.usersHoldingRole(organizationId, current);
    await this.writes.write(organizationId, affected, async (tx) => {
      await this.repository.deleteRole(tx, id);
      await this.writes.record(tx, organizationId, actor, 'governance.role.deleted', 'role', id, {
        name: current.name,
      });
    });
  }

  async bindRole(
    organizationId: string,
    roleId: string,
    subjectType: Subject,
    subjectId: string,
    actor: GovernanceActor,
  ) {
    await this.role(organizationId, roleId);
    const affected = await this.writes.usersOfSubject(organizationId, subjectType, subjectId);
    const binding = await this.writes.write(organizationId, affected, async (tx) => {
      const created = await this.repository.createBinding(
        tx,
        organizationId,
        roleId,
        subjectType,
        subjectId,
      );
      await this.writes.record(
        tx,
        organizationId,
        actor,
        'governance.role.bound',
        'role_binding',
        created.id,
        {
          roleId,
          subjectType,
          subjectId,
        },
      );
      return created;
    });
    return binding;
  }

  async unbindRole(
    organizationId: string,
    bindingId: string,
    actor: GovernanceActor,
  ): Promise<void> {
    const binding = isUuid(bindingId)
      ? await this.repository.findBinding(organizationId, bindingId)
      : null;
    if (!binding) {
      throw new GovernanceError(GovernanceErrorCode.NotFound, `no binding ${bindingId}`);
    }
    const affected = await this.writes.usersOfSubject(
      organizationId,
      binding.subjectType,
      binding.subjectId,
      {
        mustExist: false,
      },
    );
    await this.writes.write(organizationId, affected, async (tx) => {
      await this.repository.deleteBinding(tx, bindingId);
      await this.writes.record(
        tx,
        organizationId,
        actor,
        'governance.role.unbound',
        'role_binding',
        bindingId,
        {
          roleId: binding.roleId,
          subjectType: binding.subjectType,
          subjectId: binding.subjectId,
        },
      );
    });
  }

  // The users holding the role through any of its bindings (of subjects that may be gone).
  async usersHoldingRole(organizationId: string, role: RoleRecord): Promise<string[]> {
    const users = new Set<string>();
    for (const binding of role.bindings) {
      const ids = await this.writes.usersOfSubject(
        organizationId,
        binding.subjectType,
        binding.subjectId,
        {
          mustExist: false,
        },
      );
      for (const id of ids) users.add(id);
    }
    return [...users].sort();
  }

  async validateRole(organizationId: string, role: RoleWrite): Promise<void> {
    if (!role.name || role.name.length > 100) {
      throw new GovernanceError(
        GovernanceErrorCode.Invalid,
        'a role needs a name of 1 to 100 characters',
      );
    }
    const unknown = unknownCapabilities(role.capabilities);
    if (unknown.length) {
      throw new GovernanceError(
        GovernanceErrorCode.Invalid,
        `unknown capabilities ${unknown.join(', ')}; known: ${CAPABILITIES.join(', ')}`,
      );
    }
    const connectorIds = role.connectorRules.map((rule) => rule.connectorId);
    if (new Set(connectorIds).size !== connectorIds.length) {
      throw new GovernanceError(GovernanceErrorCode.Invalid, 'one rule per connector');
    }
    const existing = new Set(
      await this.repository.existingConnectorIds(organizationId, connectorIds.filter(isUuid)),
    );
    const missing = connectorIds.filter((id) => !existing.has(id));
    if (missing.length) {
      throw new GovernanceError(GovernanceErrorCode.NotFound, `no connector ${missing.join(', ')}`);
    }
    for (const rule of role.connectorRules) {
      const tools = rule.toolOverrides.map((override) => override.tool);
      if (tools.some((tool) => !tool) || new Set(tools).size !== tools.length) {
        throw new GovernanceError(
          GovernanceErrorCode.Invalid,
          'per-tool rules need distinct tool names',
        );
      }
    }
    for (const root of role.folderRoots) validatePattern(root.pattern, root.os);
  }
}

function normaliseRole(role: RoleWrite): RoleWrite {
  return {
    ...role,
    name: role.name.trim(),
    capabilities: [...new Set(role.capabilities)].sort(),
  };
}

function roleAudit(role: RoleWrite): Record<string, unknown> {
  return {
    name: role.name,
    capabilities: role.capabilities,
    connectorRules: role.connectorRules,
    folderRoots: role.folderRoots,
  };
}
