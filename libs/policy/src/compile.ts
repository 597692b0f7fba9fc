import { CAPABILITIES } from './capabilities';
import type { Capability } from './capabilities';
import {
  FOLDER_FORBID_ROOT,
  FOLDER_FORBID_SUBTREE,
  FOLDER_READ,
  FOLDER_READ_WRITE,
  POLICY_FORMAT_VERSION,
} from './compiled';
import type { CompiledPolicy, FolderEntry, RuleRef } from './compiled';
import { OPERATING_SYSTEMS } from './model';
import type {
  CeilingEntrySource,
  CeilingSource,
  ConnectorRuleSource,
  Decision,
  OperatingSystem,
  PolicySources,
  RoleGrant,
} from './model';
import { canonicalPath, DEFAULT_CEILING, isWithin, patternSystems } from './paths';

// Semantics (the property tests check the compiled tables against a direct evaluation of these):
// - A deactivated user gets nothing: no capability, every tool and path denied.
// - Capabilities are the union of the user's roles; `agent` gates everything, `connectors` gates
//   every tool; `auto_approve_plans` counts only where the organization allows auto-approval.
// - Tools: a connector off the allow-list or a tool off its catalogue is denied. Otherwise each
//   role rule for the connector contributes its per-tool override if it has one, else its read or
//   write decision by the tool's kind; deny beats ask beats allow across all contributions; no
//   contribution at all is deny. A drifted (unapproved) tool is `ask` at most.
// - Folders: a path in a ceiling location is denied whatever any role says; no allowed root may be
//   or contain a `root` ceiling location (such roots are dropped); otherwise a path is readable
//   inside any allowed root and writable inside any read-write root; anything else is denied.
// - Nothing missing or empty widens access: no grants, rules or roots means deny; a missing
//   ceiling means the default ceiling.
// Ties between contributions of equal weight go to the first grant in a fixed order (role name,
// role id, direct before group, group name), so the rule an explanation names is deterministic.

const RANK: Record<Decision, number> = { allow: 0, ask: 1, deny: 2 };
const CODE: Record<Decision, number> = { allow: 0, ask: 1, deny: 2 };

export function orderGrants(grants: readonly RoleGrant[]): RoleGrant[] {
  const key = (grant: RoleGrant) =>
    grant.via.kind === 'user' ? '0' : `1${grant.via.groupName}\u0000${grant.via.groupId}`;
  return [...grants].sort(
    (a, b) =>
      compare(a.role.name, b.role.name) || compare(a.role.id, b.role.id) || compare(key(a), key(b)),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function ceilingEntries(ceiling: CeilingSource | undefined): CeilingEntrySource[] {
  const disabled = new Set(ceiling?.disabledDefaults ?? []);
  return [...DEFAULT_CEILING.filter((entry) => !disabled.has(entry.id)), ...(ceiling?.extra ?? [])];
}

class RuleTable {
  readonly rules: RuleRef[] = [];
  private readonly index = new Map<string, number>();

  add(rule: RuleRef): number {
    let at = this.index.get(rule.id);
    if (at === undefined) {
      at = this.rules.push(rule) - 1;
      this.index.set(rule.id, at);
    }
    return at;
  }
}

function grantRef(grant: RoleGrant): Pick<RuleRef, 'role' | 'group'> {
  return {
    role: { id: grant.role.id, name: grant.role.name },
    ...(grant.via.kind === 'group'
      ? { group: { id: grant.via.groupId, name: grant.via.groupName } }
      : {}),
  };
}

function viaId(grant: RoleGrant): string {
  return grant.via.kind === 'group' ? `group:${grant.via.groupId}` : 'user';
}

interface Contribution {
  grant: RoleGrant;
  rule: ConnectorRuleSource;
}

export function compilePolicy(sources: PolicySources): CompiledPolicy {
  const table = new RuleTable();
  const folders = {} as Record<OperatingSystem, FolderEntry[]>;
  for (const os of OPERATING_SYSTEMS) folders[os] = [];
  const compiled: CompiledPolicy = {
    formatVersion: POLICY_FORMAT_VERSION,
    userId: sources.user.id,
    active: sources.user.active,
    rules: table.rules,
    capabilities: {},
    tools: {},
    folders,
    approvals: { plan: 'person', planRule: 0, askTools: 'each_call' },
  };
  const grants = sources.user.active ? orderGrants(sources.grants) : [];

  for (const grant of grants) {
    for (const name of grant.role.capabilities) {
      if (!(CAPABILITIES as readonly string[]).includes(name)) continue;
      const capability = name as Capability;
      if (compiled.capabilities[capability] !== undefined) continue;
      compiled.capabilities[capability] = table.add({
        id: `role:${grant.role.id}:${viaId(grant)}:capability:${capability}`,
        kind: 'capability_granted',
        detail: capability,
        ...grantRef(grant),
      });
    }
  }
  const autoRule = compiled.capabilities.auto_approve_plans;
  if (
    autoRule !== undefined &&
    compiled.capabilities.agent !== undefined &&
    sources.approvals?.autoApprovePlansAllowed
  ) {
    compiled.approvals = { plan: 'auto', planRule: autoRule, askTools: 'each_call' };
  } else {
    delete compiled.capabilities.auto_approve_plans;
    compiled.approvals.planRule = table.add({
      id: 'approval:plan',
      kind: 'plan_approval',
      detail: 'plans need the person’s approval',
    });
  }

  compileTools(sources, grants, compiled, table);
  compileFolders(sources, grants, folders, table);
  return compiled;
}

function compileTools(
  sources: PolicySources,
  grants: RoleGrant[],
  compiled: CompiledPolicy,
  table: RuleTable,
): void {
  // Tools are only reachable with both capabilities; the engine explains the missing one.
  if (compiled.capabilities.agent === undefined || compiled.capabilities.connectors === undefined) {
    return;
  }
  const byConnector = new Map<string, Contribution[]>();
  for (const grant of grants) {
    for (const rule of grant.role.connectorRules) {
      let list = byConnector.get(rule.connector);
      if (!list) byConnector.set(rule.connector, (list = []));
      list.push({ grant, rule });
    }
  }
  for (const connector of sources.connectors) {
    const tools: Record<string, number> = {};
    compiled.tools[connector.name] = tools;
    const contributions = byConnector.get(connector.name) ?? [];
    const ruleOf = (c: Contribution, side: 'read' | 'write') =>
      table.add({
        id: `role:${c.grant.role.id}:${viaId(c.grant)}:connector:${connector.name}:${side}`,
        kind: 'connector_rule',
        detail: side,
        ...grantRef(c.grant),
      });
    const overrideOf = (c: Contribution, tool: string) =>
      table.add({
        id: `role:${c.grant.role.id}:${viaId(c.grant)}:connector:${connector.name}:tool:${tool}`,
        kind: 'tool_override',
        detail: tool,
        ...grantRef(c.grant),
      });
    const strongest = (decide: (c: Contribution) => Decision) => {
      let best = -1;
      let winner: Contribution | undefined;
      let decision: Decision = 'deny';
      for (const c of contributions) {
        const d = decide(c);
        if (RANK[d] > best) {
          best = RANK[d];
          winner = c;
          decision = d;
          if (best === 2) break;
        }
      }
      return { decision, winner };
    };
    const base = { read: strongest((c) => c.rule.read), write: strongest((c) => c.rule.write) };
    // The rule behind each side, interned once per connector rather than once per tool.
    const baseRule = { read: -1, write: -1 };
    const baseRuleOf = (side: 'read' | 'write') =>
      baseRule[side] >= 0 ? baseRule[side] : (baseRule[side] = ruleOf(base[side].winner!, side));
    const overridden = new Set<string>();
    for (const c of contributions) {
      for (const tool of Object.keys(c.rule.tools ?? {})) overridden.add(tool);
    }
    const noRule = contributions.length
      ? 0
      : table.add({
          id: `connector:${connector.name}:no_rule`,
          kind: 'no_connector_rule',
          detail: connector.name,
        });

    // The common case (an approved tool no role overrides) is one precomputed code per side.
    const baseCode = { read: -1, write: -1 };
    const encode = (rule: number, kind: 'read' | 'write', decision: Decision) =>
      (rule << 3) | ((kind === 'write' ? 1 : 0) << 2) | CODE[decision];
    for (const tool of connector.tools) {
      if (tool.approved && contributions.length && !overridden.has(tool.name)) {
        const side = tool.kind;
        if (baseCode[side] < 0) {
          baseCode[side] = encode(baseRuleOf(side), side, base[side].decision);
        }
        tools[tool.name] = baseCode[side];
        continue;
      }
      let decision: Decision;
      let rule: number;
      if (!contributions.length) {
        decision = 'deny';
        rule = noRule;
      } else if (!overridden.has(tool.name)) {
        decision = base[tool.kind].decision;
        rule = baseRuleOf(tool.kind);
      } else {
        const override = (c: Contribution) =>
          c.rule.tools && Object.hasOwn(c.rule.tools, tool.name)
            ? c.rule.tools[tool.name]
            : undefined;
        const { decision: d, winner } = strongest((c) => override(c) ?? c.rule[tool.kind]);
        decision = d;
        rule = override(winner!) ? overrideOf(winner!, tool.name) : ruleOf(winner!, tool.kind);
      }
      if (!tool.approved && decision === 'allow') {
        decision = 'ask';
        rule = table.add({
          id: `connector:${connector.name}:tool:${tool.name}:drift`,
          kind: 'drift',
          detail: tool.name,
        });
      }
      tools[tool.name] = encode(rule, tool.kind, decision);
    }
  }
}

function compileFolders(
  sources: PolicySources,
  grants: RoleGrant[],
  folders: Record<OperatingSystem, FolderEntry[]>,
  table: RuleTable,
): void {
  const entries = new Map<OperatingSystem, Map<string, [code: number, rule: number]>>();
  for (const os of OPERATING_SYSTEMS) entries.set(os, new Map());
  const forbiddenRoots = new Map<OperatingSystem, string[]>();
  for (const os of OPERATING_SYSTEMS) forbiddenRoots.set(os, []);

  for (const entry of ceilingEntries(sources.ceiling)) {
    const rule = table.add({ id: `ceiling:${entry.id}`, kind: 'ceiling', detail: entry.pattern });
    const code = entry.scope === 'root' ? FOLDER_FORBID_ROOT : FOLDER_FORBID_SUBTREE;
    for (const os of entry.os ?? patternSystems(entry.pattern)) {
      const prefix = canonicalPath(entry.pattern, os);
      if (prefix === null) continue;
      const map = entries.get(os)!;
      const existing = map.get(prefix);
      // The subtree form is the stronger of the two.
      if (!existing || (existing[0] === FOLDER_FORBID_ROOT && code === FOLDER_FORBID_SUBTREE)) {
        map.set(prefix, [code, rule]);
      }
      if (entry.scope === 'root') forbiddenRoots.get(os)!.push(prefix);
    }
  }

  for (const grant of grants) {
    for (const root of grant.role.folderRoots) {
      const code = root.access === 'read_write' ? FOLDER_READ_WRITE : FOLDER_READ;
      for (const os of root.os ?? patternSystems(root.pattern)) {
        const prefix = canonicalPath(root.pattern, os);
        if (prefix === null) continue;
        if (forbiddenRoots.get(os)!.some((forbidden) => isWithin(forbidden, prefix))) continue;
        const map = entries.get(os)!;
        const existing = map.get(prefix);
        if (existing && (existing[0] >= FOLDER_FORBID_SUBTREE || existing[0] >= code)) continue;
        map.set(prefix, [
          code,
          table.add({
            id: `role:${grant.role.id}:${viaId(grant)}:folder:${os}:${prefix}`,
            kind: 'folder_root',
            detail: `${root.pattern} (${root.access === 'read_write' ? 'read-write' : 'read-only'})`,
            ...grantRef(grant),
          }),
        ]);
      }
    }
  }
  for (const os of OPERATING_SYSTEMS) {
    folders[os] = [...entries.get(os)!]
      .map(([prefix, [code, rule]]): FolderEntry => [prefix, code, rule])
      .sort((a, b) => compare(a[0], b[0]));
  }
}
