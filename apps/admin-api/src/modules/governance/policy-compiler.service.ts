import { Injectable } from '@nestjs/common';
import { classifyTool, compilePolicy, PolicyEngine } from '@steward/policy';
import type {
  CompiledPolicy,
  ConnectorSource,
  Decision,
  OperatingSystem,
  PolicySources,
  RoleGrant,
  RoleSource,
  SpendSettings,
  ToolAnnotations,
} from '@steward/policy';
import { DirectoryService } from '../directory/directory.service';
import { GovernanceError, GovernanceErrorCode } from './governance.errors';
import { toolFingerprint } from './connector-catalogue';
import { GovernanceRepository } from './governance.repository';
import type { ConnectorRecord, RoleRecord } from './governance.repository';
import { GovernanceSettingsService } from './governance-settings.service';
import { connectorDefinition } from './governance.types';

export function toRoleSource(role: RoleRecord): RoleSource {
  return {
    id: role.id,
    name: role.name,
    capabilities: role.capabilities,
    connectorRules: role.connectorRules.map((rule) => ({
      connector: rule.connector.name,
      read: rule.read,
      write: rule.write,
      tools: rule.toolOverrides as Record<string, Decision>,
    })),
    folderRoots: role.folderRoots.map((root) => ({
      pattern: root.pattern,
      access: root.access,
      ...(root.os.length ? { os: root.os as OperatingSystem[] } : {}),
    })),
  };
}

export function toConnectorSource(connector: ConnectorRecord): ConnectorSource {
  return {
    ...connectorDefinition(connector),
    tools: connector.tools.map((tool) => ({
      name: tool.name,
      ...classifyTool(tool.annotations as ToolAnnotations, tool.kindOverride),
      approved: tool.approvedFingerprint === toolFingerprint(tool),
    })),
  };
}

// The one place that gathers a user's policy sources (their roles through every binding, the
// connectors, the folder ceiling, approval and network settings) and compiles them: for bundles
// (the bundles module's PolicySource), explain and simulation.
@Injectable()
export class PolicyCompiler {
  constructor(
    private readonly repository: GovernanceRepository,
    private readonly directory: DirectoryService,
    private readonly settings: GovernanceSettingsService,
  ) {}

  // When the organization's governance inputs were last written (for the stale-bundle sweep; a
  // deletion is carried to endpoints by the propagation outbox alone).
  inputsChangedAt(organizationId: string): Promise<Date | null> {
    return this.repository.lastWriteAt(organizationId);
  }

  // The effective policy of one directory user: the body of their bundle. A deactivated user
  // compiles to a policy that allows nothing. Throws GovernanceError('not_found') for an unknown
  // user.
  async compileForUser(organizationId: string, userId: string): Promise<CompiledPolicy> {
    return compilePolicy(await this.sourcesForUser(organizationId, userId));
  }

  async sourcesForUser(organizationId: string, userId: string): Promise<PolicySources> {
    const user = await this.directory.findUser(organizationId, userId);
    if (!user) throw new GovernanceError(GovernanceErrorCode.NotFound, `no user ${userId}`);
    const groups = (await this.directory.groupsOfUsers(organizationId, [userId])).get(userId) ?? [];
    const groupNames = new Map(groups.map((group) => [group.id, group.displayName]));
    const [bindings, connectors, settings, extra] = await Promise.all([
      this.repository.bindingsReaching(organizationId, userId, [...groupNames.keys()]),
      this.repository.listConnectors(organizationId),
      this.repository.settings(organizationId),
      this.repository.ceilingEntries(organizationId),
    ]);
    const grants: RoleGrant[] = bindings.map((binding) => ({
      role: toRoleSource(binding.role),
      via:
        binding.subjectType === 'user'
          ? { kind: 'user' }
          : {
              kind: 'group',
              groupId: binding.subjectId,
              groupName: groupNames.get(binding.subjectId) ?? '',
            },
    }));
    return {
      user: { id: user.id, active: user.active === true },
      grants,
      connectors: connectors.map(toConnectorSource),
      ceiling: {
        disabledDefaults: settings?.disabledCeilingDefaults ?? [],
        extra: extra.map((entry) => ({
          id: entry.id,
          pattern: entry.pattern,
          scope: entry.scope,
          ...(entry.os.length ? { os: entry.os as OperatingSystem[] } : {}),
          description: entry.description,
        })),
      },
      approvals: { autoApprovePlansAllowed: settings?.autoApprovePlansAllowed ?? false },
      network: { webHosts: settings?.webAllowedHosts ?? [] },
    };
  }

  async engineForUser(organizationId: string, userId: string): Promise<PolicyEngine> {
    return new PolicyEngine(await this.compileForUser(organizationId, userId));
  }

  // The organization's endpoint spend settings in the bundle's form.
  spendSettings(organizationId: string): Promise<SpendSettings> {
    return this.settings.spendSettings(organizationId);
  }
}
