import { Inject, Injectable } from '@nestjs/common';
import {
  CAPABILITIES,
  canonicalPath,
  classifyTool,
  compilePolicy,
  DEFAULT_CEILING,
  isWebHost,
  OPERATING_SYSTEMS,
  patternSystems,
  PolicyEngine,
  unknownCapabilities,
} from '@steward/policy';
import type {
  CompiledPolicy,
  ConnectorSource,
  Decision,
  GrantVia,
  OperatingSystem,
  PolicySources,
  RoleGrant,
  RoleSource,
  SpendSettings,
  ToolAnnotations,
} from '@steward/policy';
import { Prisma } from '../../generated/prisma/client';
import { EVENT_BUS } from '../../platform/redis/event-bus';
import type { EventBus } from '../../platform/redis/event-bus';
import { AuditService } from '../audit/audit.service';
import type { AuditEntry, AuditTx } from '../audit/audit.service';
import { DirectoryService, isDirectoryId } from '../directory/directory.service';
import { OrganizationsService } from '../organizations/organizations.service';
import { toolFingerprint } from './connector-catalogue';
import { DEFAULT_ENDPOINT_SPEND, validateEndpointSpend } from './endpoint-spend';
import { GovernanceRepository } from './governance.repository';
import type { ConnectorRecord, GovernanceTx, RoleRecord } from './governance.repository';
import { GOVERNANCE_CHANGED_CHANNEL, GovernanceError } from './governance.types';
import type {
  EndpointSpendWrite,
  GovernanceActor,
  GovernanceChanged,
  RoleWrite,
  SpendLimitWrite,
  Subject,
} from './governance.types';

const DECIMAL_USD = /^\d{1,12}(\.\d{1,6})?$/;

export interface SpendLimitForUser {
  id: string;
  subjectType: Subject;
  subjectId: string;
  amountUsd: Prisma.Decimal;
  period: 'day' | 'week' | 'month';
  enforcement: 'hard' | 'soft';
  alertThresholds: number[];
  // The organization's time zone, in which periods start.
  timeZone: string;
}

export interface UserPolicyChange {
  userId: string;
  userName: string;
  capabilitiesGained: string[];
  capabilitiesLost: string[];
  tools: { connector: string; tool: string; before: Decision; after: Decision }[];
  folders: { os: OperatingSystem; location: string; before: string; after: string }[];
}

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
    name: connector.name,
    transport: connector.transport,
    command: connector.command,
    args: connector.args,
    url: connector.url,
    version: connector.version,
    tools: connector.tools.map((tool) => ({
      name: tool.name,
      ...classifyTool(tool.annotations as ToolAnnotations, tool.kindOverride),
      approved: tool.approvedFingerprint === toolFingerprint(tool),
    })),
  };
}

// Roles, bindings, folder ceiling, approval settings and spend limit definitions, and the one place
// that gathers a user's policy sources and compiles them (for bundles, explain and simulation).
// Every change is audited in its own transaction and then announced on `governance.changed`.
@Injectable()
export class GovernanceService {
  constructor(
    private readonly repository: GovernanceRepository,
    private readonly directory: DirectoryService,
    private readonly organizations: OrganizationsService,
    private readonly audit: AuditService,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
  ) {}

  // ---- compilation -------------------------------------------------------------------------

  // The effective policy of one directory user: the body of their bundle. A deactivated user
  // compiles to a policy that allows nothing. Throws GovernanceError('not_found') for an unknown
  // user.
  async compileForUser(organizationId: string, userId: string): Promise<CompiledPolicy> {
    return compilePolicy(await this.sourcesForUser(organizationId, userId));
  }

  async sourcesForUser(organizationId: string, userId: string): Promise<PolicySources> {
    const user = await this.directory.findUser(organizationId, userId);
    if (!user) throw new GovernanceError('not_found', `no user ${userId}`);
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
      user: { id: user.id, active: user.active },
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

  // "What changes for whom" if role `roleId` became `draft` (null: if it were deleted) and, when
  // `bindings` is given, were bound to exactly those subjects, per user holding it before or after,
  // before anything is saved.
  async simulateRoleChange(
    organizationId: string,
    roleId: string,
    draft: RoleWrite | null,
    bindings: { subjectType: Subject; subjectId: string }[] | null = null,
  ): Promise<UserPolicyChange[]> {
    const role = await this.role(organizationId, roleId);
    if (!draft && bindings) {
      throw new GovernanceError(
        'invalid',
        'a deleted role has no bindings: pass the role as draft to simulate binding changes',
      );
    }
    // Each user the draft bindings reach, and through which binding (direct or which group).
    let draftGrants: Map<string, GrantVia[]> | null = null;
    if (bindings) {
      draftGrants = new Map();
      const seen = new Set<string>();
      for (const { subjectType, subjectId } of bindings) {
        if (seen.has(`${subjectType}:${subjectId}`)) continue;
        seen.add(`${subjectType}:${subjectId}`);
        const reached = await this.usersOfSubject(organizationId, subjectType, subjectId);
        const via: GrantVia =
          subjectType === 'user'
            ? { kind: 'user' }
            : {
                kind: 'group',
                groupId: subjectId,
                groupName:
                  (await this.directory.findGroup(organizationId, subjectId, { members: false }))
                    ?.displayName ?? '',
              };
        for (const userId of reached) {
          draftGrants.set(userId, [...(draftGrants.get(userId) ?? []), via]);
        }
      }
    }
    let draftSource: RoleSource | null = null;
    if (draft) {
      await this.validateRole(organizationId, draft);
      const connectors = await this.repository.listConnectors(organizationId);
      const names = new Map(connectors.map((connector) => [connector.id, connector.name]));
      draftSource = {
        id: role.id,
        name: draft.name,
        capabilities: draft.capabilities,
        connectorRules: draft.connectorRules.map((rule) => ({
          connector: names.get(rule.connectorId)!,
          read: rule.read,
          write: rule.write,
          tools: Object.fromEntries(rule.toolOverrides.map((o) => [o.tool, o.decision])),
        })),
        folderRoots: draft.folderRoots.map((root) => ({
          pattern: root.pattern,
          access: root.access,
          ...(root.os.length ? { os: root.os } : {}),
        })),
      };
    }
    const affected = new Set(await this.usersHoldingRole(organizationId, role));
    for (const userId of draftGrants?.keys() ?? []) affected.add(userId);
    const changes: UserPolicyChange[] = [];
    for (const userId of [...affected].sort()) {
      const user = await this.directory.findUser(organizationId, userId);
      if (!user) continue;
      const sources = await this.sourcesForUser(organizationId, userId);
      const others = sources.grants.filter((grant) => grant.role.id !== roleId);
      const after: PolicySources = {
        ...sources,
        grants: !draftSource
          ? others
          : draftGrants
            ? [
                ...others,
                ...(draftGrants.get(userId) ?? []).map((via) => ({ role: draftSource, via })),
              ]
            : sources.grants.map((grant) =>
                grant.role.id === roleId ? { ...grant, role: draftSource } : grant,
              ),
      };
      const change = diffPolicies(compilePolicy(sources), compilePolicy(after));
      if (
        change.capabilitiesGained.length ||
        change.capabilitiesLost.length ||
        change.tools.length ||
        change.folders.length
      ) {
        changes.push({ userId, userName: user.userName, ...change });
      }
    }
    return changes;
  }

  // ---- roles and bindings ------------------------------------------------------------------

  listRoles(organizationId: string): Promise<RoleRecord[]> {
    return this.repository.listRoles(organizationId);
  }

  async role(organizationId: string, id: string): Promise<RoleRecord> {
    const role = isDirectoryId(id) ? await this.repository.findRole(organizationId, id) : null;
    if (!role) throw new GovernanceError('not_found', `no role ${id}`);
    return role;
  }

  async createRole(
    organizationId: string,
    input: RoleWrite,
    actor: GovernanceActor,
  ): Promise<RoleRecord> {
    const role = normaliseRole(input);
    await this.validateRole(organizationId, role);
    const id = await this.write(organizationId, async (tx) => {
      const created = await this.repository.createRole(tx, organizationId, role);
      await this.record(
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
    await this.write(organizationId, async (tx) => {
      await this.repository.replaceRole(tx, organizationId, id, role);
      await this.record(
        tx,
        organizationId,
        actor,
        'governance.role.updated',
        'role',
        id,
        roleAudit(role),
      );
    });
    await this.changed(organizationId, await this.usersHoldingRole(organizationId, current));
    return this.role(organizationId, id);
  }

  async deleteRole(organizationId: string, id: string, actor: GovernanceActor): Promise<void> {
    const current = await this.role(organizationId, id);
    const affected = await this.usersHoldingRole(organizationId, current);
    await this.write(organizationId, async (tx) => {
      await this.repository.deleteRole(tx, id);
      await this.record(tx, organizationId, actor, 'governance.role.deleted', 'role', id, {
        name: current.name,
      });
    });
    await this.changed(organizationId, affected);
  }

  async bindRole(
    organizationId: string,
    roleId: string,
    subjectType: Subject,
    subjectId: string,
    actor: GovernanceActor,
  ) {
    await this.role(organizationId, roleId);
    const affected = await this.usersOfSubject(organizationId, subjectType, subjectId);
    const binding = await this.write(organizationId, async (tx) => {
      const created = await this.repository.createBinding(
        tx,
        organizationId,
        roleId,
        subjectType,
        subjectId,
      );
      await this.record(
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
    await this.changed(organizationId, affected);
    return binding;
  }

  async unbindRole(
    organizationId: string,
    bindingId: string,
    actor: GovernanceActor,
  ): Promise<void> {
    const binding = isDirectoryId(bindingId)
      ? await this.repository.findBinding(organizationId, bindingId)
      : null;
    if (!binding) throw new GovernanceError('not_found', `no binding ${bindingId}`);
    const affected = await this.usersOfSubject(
      organizationId,
      binding.subjectType,
      binding.subjectId,
      {
        mustExist: false,
      },
    );
    await this.write(organizationId, async (tx) => {
      await this.repository.deleteBinding(tx, bindingId);
      await this.record(
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
    await this.changed(organizationId, affected);
  }

  // ---- folder ceiling and approval settings ------------------------------------------------

  async settings(organizationId: string) {
    const [settings, extra] = await Promise.all([
      this.repository.settings(organizationId),
      this.repository.ceilingEntries(organizationId),
    ]);
    const disabled = new Set(settings?.disabledCeilingDefaults ?? []);
    return {
      autoApprovePlansAllowed: settings?.autoApprovePlansAllowed ?? false,
      webAllowedHosts: settings?.webAllowedHosts ?? [],
      ceiling: [
        ...DEFAULT_CEILING.map((entry) => ({
          id: entry.id,
          pattern: entry.pattern,
          scope: entry.scope,
          os: entry.os ?? patternSystems(entry.pattern),
          description: entry.description ?? '',
          builtIn: true,
          enabled: !disabled.has(entry.id),
        })),
        ...extra.map((entry) => ({
          id: entry.id,
          pattern: entry.pattern,
          scope: entry.scope,
          os: entry.os.length ? (entry.os as OperatingSystem[]) : patternSystems(entry.pattern),
          description: entry.description,
          builtIn: false,
          enabled: true,
        })),
      ],
    };
  }

  async setCeilingDefaultEnabled(
    organizationId: string,
    id: string,
    enabled: boolean,
    actor: GovernanceActor,
  ) {
    if (!DEFAULT_CEILING.some((entry) => entry.id === id)) {
      throw new GovernanceError('not_found', `no default ceiling entry ${id}`);
    }
    await this.write(organizationId, async (tx) => {
      const current = await this.repository.settings(organizationId, tx);
      const disabled = new Set(current?.disabledCeilingDefaults ?? []);
      if (enabled) disabled.delete(id);
      else disabled.add(id);
      await this.repository.upsertSettings(tx, organizationId, {
        disabledCeilingDefaults: [...disabled].sort(),
      });
      await this.record(
        tx,
        organizationId,
        actor,
        'governance.ceiling.default_changed',
        'ceiling',
        id,
        { enabled },
      );
    });
    await this.changed(organizationId, 'all');
    return this.settings(organizationId);
  }

  async addCeilingEntry(
    organizationId: string,
    entry: {
      pattern: string;
      scope: 'subtree' | 'root';
      os: OperatingSystem[];
      description: string;
    },
    actor: GovernanceActor,
  ) {
    validatePattern(entry.pattern, entry.os);
    await this.write(organizationId, async (tx) => {
      const created = await this.repository.createCeilingEntry(tx, organizationId, entry);
      await this.record(
        tx,
        organizationId,
        actor,
        'governance.ceiling.added',
        'ceiling',
        created.id,
        {
          pattern: entry.pattern,
          scope: entry.scope,
        },
      );
    });
    await this.changed(organizationId, 'all');
    return this.settings(organizationId);
  }

  async removeCeilingEntry(organizationId: string, id: string, actor: GovernanceActor) {
    if (!isDirectoryId(id)) throw new GovernanceError('not_found', `no ceiling entry ${id}`);
    await this.write(organizationId, async (tx) => {
      if (!(await this.repository.deleteCeilingEntry(tx, id))) {
        throw new GovernanceError('not_found', `no ceiling entry ${id}`);
      }
      await this.record(tx, organizationId, actor, 'governance.ceiling.removed', 'ceiling', id, {});
    });
    await this.changed(organizationId, 'all');
    return this.settings(organizationId);
  }

  async setAutoApprovePlansAllowed(
    organizationId: string,
    allowed: boolean,
    actor: GovernanceActor,
  ) {
    await this.write(organizationId, async (tx) => {
      await this.repository.upsertSettings(tx, organizationId, {
        autoApprovePlansAllowed: allowed,
      });
      await this.record(
        tx,
        organizationId,
        actor,
        'governance.approvals.changed',
        'settings',
        null,
        {
          autoApprovePlansAllowed: allowed,
        },
      );
    });
    await this.changed(organizationId, 'all');
    return this.settings(organizationId);
  }

  // Replaces the hosts that shell commands of users with the `web` capability may reach.
  async setWebAllowedHosts(organizationId: string, hosts: string[], actor: GovernanceActor) {
    const normalised = [...new Set(hosts.map((host) => host.trim().toLowerCase()))].sort();
    const invalid = normalised.filter((host) => !isWebHost(host));
    if (invalid.length) {
      throw new GovernanceError(
        'invalid',
        `not a host name or *.domain: ${invalid.join(', ')} (no scheme, port, path or bare *)`,
      );
    }
    await this.write(organizationId, async (tx) => {
      await this.repository.upsertSettings(tx, organizationId, { webAllowedHosts: normalised });
      await this.record(tx, organizationId, actor, 'governance.network.changed', 'settings', null, {
        webAllowedHosts: normalised,
      });
    });
    await this.changed(organizationId, 'all');
    return this.settings(organizationId);
  }

  // ---- endpoint spend settings (signed into every bundle) ------------------------------------

  async endpointSpend(organizationId: string): Promise<EndpointSpendWrite> {
    const settings = await this.repository.settings(organizationId);
    if (!settings) return DEFAULT_ENDPOINT_SPEND;
    return {
      leaseRequired: settings.leaseRequired,
      maxLeaseUsd: settings.maxLeaseUsd.toFixed(),
      offlineAllowanceUsd: settings.offlineAllowanceUsd.toFixed(),
    };
  }

  // The bundle's form (libs/policy SpendSettings): amounts as JSON numbers, exact for amounts
  // within the bounds setEndpointSpend enforces (at most 10 significant digits).
  async spendSettings(organizationId: string): Promise<SpendSettings> {
    const spend = await this.endpointSpend(organizationId);
    return {
      leaseRequired: spend.leaseRequired,
      maxLeaseUsd: Number(spend.maxLeaseUsd),
      offlineAllowanceUsd: Number(spend.offlineAllowanceUsd),
    };
  }

  async setEndpointSpend(
    organizationId: string,
    input: EndpointSpendWrite,
    actor: GovernanceActor,
  ): Promise<EndpointSpendWrite> {
    const next = validateEndpointSpend(input);
    await this.write(organizationId, async (tx) => {
      const current = await this.repository.settings(organizationId, tx);
      await this.repository.upsertSettings(tx, organizationId, next);
      await this.record(
        tx,
        organizationId,
        actor,
        'governance.endpoint_spend.changed',
        'settings',
        null,
        {
          before: current
            ? {
                leaseRequired: current.leaseRequired,
                maxLeaseUsd: current.maxLeaseUsd.toFixed(),
                offlineAllowanceUsd: current.offlineAllowanceUsd.toFixed(),
              }
            : { ...DEFAULT_ENDPOINT_SPEND },
          after: { ...next },
        },
      );
    });
    await this.changed(organizationId, 'all');
    return this.endpointSpend(organizationId);
  }

  // ---- spend limit definitions -------------------------------------------------------------

  listSpendLimits(organizationId: string, subject?: { type: Subject; id: string }) {
    return this.repository.listSpendLimits(
      organizationId,
      subject ? { subjectType: subject.type, subjectId: subject.id } : {},
    );
  }

  // The limits that apply to a user: their own and those of every group they belong to. For the
  // spend module, which reserves leases against each of them.
  async spendLimitsForUser(organizationId: string, userId: string): Promise<SpendLimitForUser[]> {
    const organization = await this.organizations.findById(organizationId);
    if (!organization) throw new GovernanceError('not_found', `no organization ${organizationId}`);
    const groupIds = await this.directory.groupIdsOfUser(organizationId, userId);
    const limits = await this.repository.listSpendLimits(organizationId, {
      OR: [
        { subjectType: 'user', subjectId: userId },
        ...(groupIds.length
          ? [{ subjectType: 'group' as const, subjectId: { in: groupIds } }]
          : []),
      ],
    });
    return limits.map((limit) => ({
      id: limit.id,
      subjectType: limit.subjectType,
      subjectId: limit.subjectId,
      amountUsd: limit.amountUsd,
      period: limit.period,
      enforcement: limit.enforcement,
      alertThresholds: limit.alertThresholds,
      timeZone: organization.timeZone,
    }));
  }

  async createSpendLimit(organizationId: string, input: SpendLimitWrite, actor: GovernanceActor) {
    const limit = validateSpendLimit(input);
    const affected = await this.usersOfSubject(organizationId, limit.subjectType, limit.subjectId);
    const created = await this.write(organizationId, async (tx) => {
      const row = await this.repository.createSpendLimit(tx, organizationId, limit);
      await this.record(
        tx,
        organizationId,
        actor,
        'governance.spend_limit.created',
        'spend_limit',
        row.id,
        {
          ...limit,
        },
      );
      return row;
    });
    await this.changed(organizationId, affected);
    return created;
  }

  async updateSpendLimit(
    organizationId: string,
    id: string,
    input: SpendLimitWrite,
    actor: GovernanceActor,
  ) {
    const current = await this.spendLimit(organizationId, id);
    const limit = validateSpendLimit(input);
    const affected = [
      ...(await this.usersOfSubject(organizationId, current.subjectType, current.subjectId, {
        mustExist: false,
      })),
      ...(await this.usersOfSubject(organizationId, limit.subjectType, limit.subjectId)),
    ];
    const updated = await this.write(organizationId, async (tx) => {
      const row = await this.repository.updateSpendLimit(tx, id, limit);
      await this.record(
        tx,
        organizationId,
        actor,
        'governance.spend_limit.updated',
        'spend_limit',
        id,
        { ...limit },
      );
      return row;
    });
    await this.changed(organizationId, [...new Set(affected)]);
    return updated;
  }

  async deleteSpendLimit(
    organizationId: string,
    id: string,
    actor: GovernanceActor,
  ): Promise<void> {
    const current = await this.spendLimit(organizationId, id);
    const affected = await this.usersOfSubject(
      organizationId,
      current.subjectType,
      current.subjectId,
      {
        mustExist: false,
      },
    );
    await this.write(organizationId, async (tx) => {
      await this.repository.deleteSpendLimit(tx, id);
      await this.record(
        tx,
        organizationId,
        actor,
        'governance.spend_limit.deleted',
        'spend_limit',
        id,
        {},
      );
    });
    await this.changed(organizationId, affected);
  }

  async spendLimit(organizationId: string, id: string) {
    const limit = isDirectoryId(id)
      ? await this.repository.findSpendLimit(organizationId, id)
      : null;
    if (!limit) throw new GovernanceError('not_found', `no spend limit ${id}`);
    return limit;
  }

  // ---- shared ------------------------------------------------------------------------------

  // For ConnectorsService, which shares the audit and change-signal conventions.
  async write<T>(organizationId: string, work: (tx: GovernanceTx) => Promise<T>): Promise<T> {
    try {
      return await this.repository.transaction(organizationId, work);
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        throw new GovernanceError('conflict', 'that already exists');
      }
      throw error;
    }
  }

  record(
    tx: GovernanceTx,
    organizationId: string,
    actor: GovernanceActor,
    action: string,
    resourceType: string,
    resourceId: string | null,
    data: AuditEntry['data'],
  ): Promise<void> {
    // The scoped transaction client is a Prisma transaction client with the organization filter
    // on top; the audit chain only writes this organization's rows.
    return this.audit.record(
      organizationId,
      { actorType: actor.type, actorId: actor.id, action, resourceType, resourceId, data },
      tx as unknown as AuditTx,
    );
  }

  async changed(organizationId: string, userIds: string[] | 'all'): Promise<void> {
    if (Array.isArray(userIds) && !userIds.length) return;
    const message: GovernanceChanged = {
      organizationId,
      userIds: userIds === 'all' ? 'all' : [...new Set(userIds)].sort(),
    };
    await this.bus.publish(GOVERNANCE_CHANGED_CHANNEL, JSON.stringify(message));
  }

  private async usersHoldingRole(organizationId: string, role: RoleRecord): Promise<string[]> {
    const users = new Set<string>();
    for (const binding of role.bindings) {
      const ids = await this.usersOfSubject(
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

  // The users a binding or limit on this subject reaches; the subject must exist in the
  // organization unless the caller is cleaning up after one that may be gone.
  private async usersOfSubject(
    organizationId: string,
    type: Subject,
    id: string,
    options: { mustExist: boolean } = { mustExist: true },
  ): Promise<string[]> {
    if (type === 'user') {
      const user = await this.directory.findUser(organizationId, id);
      if (!user && options.mustExist) throw new GovernanceError('not_found', `no user ${id}`);
      return [id];
    }
    const group = await this.directory.findGroup(organizationId, id, { members: true });
    if (!group && options.mustExist) throw new GovernanceError('not_found', `no group ${id}`);
    return group?.memberIds ?? [];
  }

  private async validateRole(organizationId: string, role: RoleWrite): Promise<void> {
    if (!role.name || role.name.length > 100) {
      throw new GovernanceError('invalid', 'a role needs a name of 1 to 100 characters');
    }
    const unknown = unknownCapabilities(role.capabilities);
    if (unknown.length) {
      throw new GovernanceError(
        'invalid',
        `unknown capabilities ${unknown.join(', ')}; known: ${CAPABILITIES.join(', ')}`,
      );
    }
    const connectorIds = role.connectorRules.map((rule) => rule.connectorId);
    if (new Set(connectorIds).size !== connectorIds.length) {
      throw new GovernanceError('invalid', 'one rule per connector');
    }
    const existing = new Set(
      await this.repository.existingConnectorIds(
        organizationId,
        connectorIds.filter(isDirectoryId),
      ),
    );
    const missing = connectorIds.filter((id) => !existing.has(id));
    if (missing.length)
      throw new GovernanceError('not_found', `no connector ${missing.join(', ')}`);
    for (const rule of role.connectorRules) {
      const tools = rule.toolOverrides.map((override) => override.tool);
      if (tools.some((tool) => !tool) || new Set(tools).size !== tools.length) {
        throw new GovernanceError('invalid', 'per-tool rules need distinct tool names');
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

function validatePattern(pattern: string, os: OperatingSystem[]): void {
  const systems = os.length ? os : patternSystems(pattern);
  if (!systems.length || systems.some((system) => canonicalPath(pattern, system) === null)) {
    throw new GovernanceError(
      'invalid',
      `${pattern} is not a folder: use ~/…, an absolute path (/…) or a drive path (C:\\…) without ..`,
    );
  }
  if (os.some((system) => !OPERATING_SYSTEMS.includes(system))) {
    throw new GovernanceError('invalid', `systems are ${OPERATING_SYSTEMS.join(', ')}`);
  }
}

function validateSpendLimit(input: SpendLimitWrite): SpendLimitWrite {
  if (!DECIMAL_USD.test(input.amountUsd) || Number(input.amountUsd) <= 0) {
    throw new GovernanceError(
      'invalid',
      'amountUsd must be a positive decimal like "250.00" (up to 6 decimals)',
    );
  }
  const thresholds = [...new Set(input.alertThresholds)].sort((a, b) => a - b);
  if (thresholds.some((value) => !Number.isInteger(value) || value < 1 || value > 100)) {
    throw new GovernanceError('invalid', 'alert thresholds are whole percentages from 1 to 100');
  }
  if (!isDirectoryId(input.subjectId)) {
    throw new GovernanceError('not_found', `no ${input.subjectType} ${input.subjectId}`);
  }
  return { ...input, alertThresholds: thresholds };
}

const FOLDER_ACCESS = ['read', 'read-write', 'forbidden', 'forbidden'];

// Differences between two compiled policies of the same user, for simulation.
export function diffPolicies(
  before: CompiledPolicy,
  after: CompiledPolicy,
): Omit<UserPolicyChange, 'userId' | 'userName'> {
  const granted = (policy: CompiledPolicy) => new Set(Object.keys(policy.capabilities));
  const [b, a] = [granted(before), granted(after)];
  const tools: UserPolicyChange['tools'] = [];
  const DECISION: Decision[] = ['allow', 'ask', 'deny'];
  const decisions = (policy: CompiledPolicy, connector: string) => {
    const [names, codes] = policy.tools[connector] ?? [[], []];
    return new Map(names.map((name, i) => [name, DECISION[codes[i] & 3]]));
  };
  const connectors = new Set([...Object.keys(before.tools), ...Object.keys(after.tools)]);
  for (const connector of [...connectors].sort()) {
    const bt = decisions(before, connector);
    const at = decisions(after, connector);
    for (const tool of [...new Set([...bt.keys(), ...at.keys()])].sort()) {
      const from = bt.get(tool) ?? 'deny';
      const to = at.get(tool) ?? 'deny';
      if (from !== to) tools.push({ connector, tool, before: from, after: to });
    }
  }
  const folders: UserPolicyChange['folders'] = [];
  for (const os of OPERATING_SYSTEMS) {
    const map = (policy: CompiledPolicy) =>
      new Map(policy.folders[os].map(([prefix, code]) => [prefix, FOLDER_ACCESS[code]]));
    const [bf, af] = [map(before), map(after)];
    for (const location of [...new Set([...bf.keys(), ...af.keys()])].sort()) {
      const from = bf.get(location) ?? 'none';
      const to = af.get(location) ?? 'none';
      if (from !== to) folders.push({ os, location, before: from, after: to });
    }
  }
  return {
    capabilitiesGained: [...a].filter((c) => !b.has(c)).sort(),
    capabilitiesLost: [...b].filter((c) => !a.has(c)).sort(),
    tools,
    folders,
  };
}
