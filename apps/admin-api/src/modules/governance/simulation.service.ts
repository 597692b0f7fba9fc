import { Injectable } from '@nestjs/common';
import { compilePolicy, OPERATING_SYSTEMS } from '@steward/policy';
import type {
  CompiledPolicy,
  Decision,
  GrantVia,
  OperatingSystem,
  PolicySources,
  RoleSource,
} from '@steward/policy';
import { DirectoryService } from '../directory/directory.service';
import { GovernanceError, GovernanceErrorCode } from './governance.errors';
import { GovernanceRepository } from './governance.repository';
import type { RoleWrite, Subject } from './governance.types';
import { GovernanceWrites } from './governance-writes';
import { PolicyCompiler } from './policy-compiler.service';
import { RolesService } from './roles.service';

export interface UserPolicyChange {
  userId: string;
  userName: string;
  capabilitiesGained: string[];
  capabilitiesLost: string[];
  tools: { connector: string; tool: string; before: Decision; after: Decision }[];
  folders: { os: OperatingSystem; location: string; before: string; after: string }[];
}

type DraftBindings = { subjectType: Subject; subjectId: string }[];

// "What if": a draft role (or its deletion, or new bindings) compiled user by user against the
// saved policy, before anything is saved.
@Injectable()
export class SimulationService {
  constructor(
    private readonly repository: GovernanceRepository,
    private readonly directory: DirectoryService,
    private readonly writes: GovernanceWrites,
    private readonly roles: RolesService,
    private readonly compiler: PolicyCompiler,
  ) {}

  // "What changes for whom" if role `roleId` became `draft` (null: if it were deleted) and, when
  // `bindings` is given, were bound to exactly those subjects, per user holding it before or after.
  async simulateRoleChange(
    organizationId: string,
    roleId: string,
    draft: RoleWrite | null,
    bindings: DraftBindings | null = null,
  ): Promise<UserPolicyChange[]> {
    const role = await this.roles.role(organizationId, roleId);
    if (!draft && bindings) {
      throw new GovernanceError(
        GovernanceErrorCode.Invalid,
        'a deleted role has no bindings: pass the role as draft to simulate binding changes',
      );
    }
    const grants = bindings ? await this.draftGrants(organizationId, bindings) : null;
    const source = draft ? await this.draftSource(organizationId, role.id, draft) : null;
    const affected = new Set(await this.roles.usersHoldingRole(organizationId, role));
    for (const userId of grants?.keys() ?? []) affected.add(userId);
    const changes: UserPolicyChange[] = [];
    for (const userId of [...affected].sort()) {
      const user = await this.directory.findUser(organizationId, userId);
      if (!user) continue;
      const sources = await this.compiler.sourcesForUser(organizationId, userId);
      const change = diffPolicies(
        compilePolicy(sources),
        compilePolicy(withDraft(sources, roleId, source, grants?.get(userId) ?? null, !!grants)),
      );
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

  // Each user the draft bindings reach, and through which binding (direct or which group).
  private async draftGrants(
    organizationId: string,
    bindings: DraftBindings,
  ): Promise<Map<string, GrantVia[]>> {
    const grants = new Map<string, GrantVia[]>();
    const seen = new Set<string>();
    for (const { subjectType, subjectId } of bindings) {
      if (seen.has(`${subjectType}:${subjectId}`)) continue;
      seen.add(`${subjectType}:${subjectId}`);
      const reached = await this.writes.usersOfSubject(organizationId, subjectType, subjectId);
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
      for (const userId of reached) grants.set(userId, [...(grants.get(userId) ?? []), via]);
    }
    return grants;
  }

  // The draft as the compiler reads a saved role.
  private async draftSource(
    organizationId: string,
    roleId: string,
    draft: RoleWrite,
  ): Promise<RoleSource> {
    await this.roles.validateRole(organizationId, draft);
    const connectors = await this.repository.listConnectors(organizationId);
    const names = new Map(connectors.map((connector) => [connector.id, connector.name]));
    return {
      id: roleId,
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
}

// A user's sources with the role replaced by the draft (null: removed); with draft bindings
// (`rebound`), held through exactly `vias` (the user's draft grants).
function withDraft(
  sources: PolicySources,
  roleId: string,
  draft: RoleSource | null,
  vias: GrantVia[] | null,
  rebound: boolean,
): PolicySources {
  const others = sources.grants.filter((grant) => grant.role.id !== roleId);
  if (!draft) return { ...sources, grants: others };
  if (rebound) {
    return {
      ...sources,
      grants: [...others, ...(vias ?? []).map((via) => ({ role: draft, via }))],
    };
  }
  return {
    ...sources,
    grants: sources.grants.map((grant) =>
      grant.role.id === roleId ? { ...grant, role: draft } : grant,
    ),
  };
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
