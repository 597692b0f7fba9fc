import { CAPABILITIES } from './capabilities';
import type { Capability } from './capabilities';
import {
  FOLDER_FORBID_ROOT,
  FOLDER_FORBID_SUBTREE,
  FOLDER_READ,
  FOLDER_READ_WRITE,
  POLICY_FORMAT_VERSION,
} from './compiled';
import type { CompiledPolicy, FolderEntry, RuleKind, RuleRef, ToolCode } from './compiled';
import { OPERATING_SYSTEMS } from './model';
import type {
  CeilingEntrySource,
  CeilingSource,
  ConnectorRuleSource,
  ConnectorToolSource,
  Decision,
  OperatingSystem,
  PolicySources,
  RoleGrant,
  ToolKind,
} from './model';
import { connectorAddress, isWebHost } from './network';
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
// - Connector addresses come with the tool tables (same gates); network hosts need `web`.
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

// Rules are interned by id: a rule many tool codes share is one entry. The id is looked up before
// the rule object is built, so a rule asked for again allocates nothing.
class RuleTable {
  readonly rules: RuleRef[] = [];
  private readonly index = new Map<string, number>();

  add(id: string, kind: RuleKind, detail?: string, via?: GrantRef): number {
    let at = this.index.get(id);
    if (at === undefined) {
      const rule: RuleRef = { id, kind };
      if (detail !== undefined) rule.detail = detail;
      if (via) {
        rule.role = via.role;
        if (via.group) rule.group = via.group;
      }
      at = this.rules.push(rule) - 1;
      this.index.set(id, at);
    }
    return at;
  }
}

// What one grant contributes to every rule it produces, built once per grant: the role and group
// references (shared by all its rules) and the prefix of its rule ids.
interface GrantRef {
  grant: RoleGrant;
  role: { id: string; name: string };
  group?: { id: string; name: string };
  idPrefix: string;
}

function grantRef(grant: RoleGrant): GrantRef {
  const role = { id: grant.role.id, name: grant.role.name };
  return grant.via.kind === 'group'
    ? {
        grant,
        role,
        group: { id: grant.via.groupId, name: grant.via.groupName },
        idPrefix: `role:${grant.role.id}:group:${grant.via.groupId}`,
      }
    : { grant, role, idPrefix: `role:${grant.role.id}:user` };
}

// Canonical forms of rule patterns. The same few patterns (the default ceiling, each role's roots)
// come back for every user compiled, so each is canonicalised once; the cache is dropped whole
// when it grows past its bound, which only a very large number of distinct patterns reaches.
const PATTERN_CACHE_LIMIT = 10_000;
const canonicalPatterns = new Map<OperatingSystem, Map<string, string | null>>();
for (const os of OPERATING_SYSTEMS) canonicalPatterns.set(os, new Map());
let cachedPatterns = 0;

function canonicalPattern(pattern: string, os: OperatingSystem): string | null {
  const cache = canonicalPatterns.get(os)!;
  let canonical = cache.get(pattern);
  if (canonical === undefined) {
    if (cachedPatterns >= PATTERN_CACHE_LIMIT) {
      for (const map of canonicalPatterns.values()) map.clear();
      cachedPatterns = 0;
    }
    canonical = canonicalPath(pattern, os);
    cache.set(pattern, canonical);
    cachedPatterns += 1;
  }
  return canonical;
}

interface Contribution {
  via: GrantRef;
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
    connectors: {},
    network: { hosts: [] },
    approvals: { plan: 'person', planRule: 0, askTools: 'each_call' },
  };
  const grants = sources.user.active ? orderGrants(sources.grants).map(grantRef) : [];

  for (const via of grants) {
    for (const name of via.grant.role.capabilities) {
      if (!CAPABILITY_NAMES.has(name)) continue;
      const capability = name as Capability;
      if (compiled.capabilities[capability] !== undefined) continue;
      compiled.capabilities[capability] = table.add(
        `${via.idPrefix}:capability:${capability}`,
        'capability_granted',
        capability,
        via,
      );
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
    compiled.approvals.planRule = table.add(
      'approval:plan',
      'plan_approval',
      'plans need the person’s approval',
    );
  }

  // Network for commands only with `web` (and `agent`); entries that are not host names are dropped.
  if (compiled.capabilities.agent !== undefined && compiled.capabilities.web !== undefined) {
    compiled.network.hosts = [...new Set(sources.network?.webHosts ?? [])].filter(isWebHost).sort();
  }
  compileTools(sources, grants, compiled, table);
  compileFolders(sources, grants, folders, table);
  return compiled;
}

const CAPABILITY_NAMES: ReadonlySet<string> = new Set(CAPABILITIES);
const KIND_BIT: Record<ToolKind, number> = { read: 0, write: 4 };

function encode(rule: number, kind: ToolKind, decision: Decision): ToolCode {
  return (rule << 3) | KIND_BIT[kind] | CODE[decision];
}

// The strongest decision among the contributions for one side or one tool, and the first
// contribution that made it (deny stops the search: nothing beats it). An override for `tool`
// replaces the side's decision in that contribution.
interface Strongest {
  decision: Decision;
  winner: Contribution;
  byOverride: boolean;
}

function strongest(contributions: Contribution[], side: ToolKind, tool: string | null): Strongest {
  let best = -1;
  let result: Strongest | undefined;
  for (const c of contributions) {
    const overrides = tool === null ? undefined : c.rule.tools;
    const override = overrides && Object.hasOwn(overrides, tool!) ? overrides[tool!] : undefined;
    const decision = override ?? c.rule[side];
    if (RANK[decision] > best) {
      best = RANK[decision];
      result = { decision, winner: c, byOverride: override !== undefined };
      if (best === 2) break;
    }
  }
  return result!;
}

function compileTools(
  sources: PolicySources,
  grants: GrantRef[],
  compiled: CompiledPolicy,
  table: RuleTable,
): void {
  // Tools are only reachable with both capabilities; the engine explains the missing one.
  if (compiled.capabilities.agent === undefined || compiled.capabilities.connectors === undefined) {
    return;
  }
  const byConnector = new Map<string, Contribution[]>();
  for (const via of grants) {
    for (const rule of via.grant.role.connectorRules) {
      let list = byConnector.get(rule.connector);
      if (!list) byConnector.set(rule.connector, (list = []));
      list.push({ via, rule });
    }
  }
  for (const connector of sources.connectors) {
    const names: string[] = [];
    const codes: ToolCode[] = [];
    compiled.tools[connector.name] = [names, codes];
    const address = connectorAddress(connector);
    if (address) compiled.connectors[connector.name] = address;
    const contributions = byConnector.get(connector.name);
    if (!contributions) {
      const code = encode(
        table.add(`connector:${connector.name}:no_rule`, 'no_connector_rule', connector.name),
        'read',
        'deny',
      );
      for (const tool of connector.tools) {
        names.push(tool.name);
        codes.push(tool.kind === 'write' ? code | KIND_BIT.write : code);
      }
      continue;
    }
    const decide = new ConnectorToolDecisions(connector.name, contributions, table);
    for (const tool of connector.tools) {
      names.push(tool.name);
      codes.push(decide.code(tool));
    }
  }
}

interface SideDecision {
  decision: Decision;
  code: ToolCode;
}

// The codes of one connector's tools from the role rules that name it. Each side's decision and
// code for the tools no role overrides is made on first use, so that the rule table holds only
// rules some tool refers to.
class ConnectorToolDecisions {
  private readonly overridden: Set<string> | null = null;
  private read: SideDecision | null = null;
  private write: SideDecision | null = null;

  constructor(
    private readonly connector: string,
    private readonly contributions: Contribution[],
    private readonly table: RuleTable,
  ) {
    for (const c of contributions) {
      if (!c.rule.tools) continue;
      for (const tool in c.rule.tools) {
        if (Object.hasOwn(c.rule.tools, tool)) (this.overridden ??= new Set()).add(tool);
      }
    }
  }

  code(tool: ConnectorToolSource): ToolCode {
    if (!this.overridden?.has(tool.name)) {
      const side =
        tool.kind === 'write'
          ? (this.write ??= this.decideSide('write'))
          : (this.read ??= this.decideSide('read'));
      return tool.approved || side.decision !== 'allow' ? side.code : this.drift(tool);
    }
    const decided = strongest(this.contributions, tool.kind, tool.name);
    const rule = decided.byOverride
      ? this.table.add(
          `${decided.winner.via.idPrefix}:connector:${this.connector}:tool:${tool.name}`,
          'tool_override',
          tool.name,
          decided.winner.via,
        )
      : this.sideRule(tool.kind, decided);
    if (!tool.approved && decided.decision === 'allow') return this.drift(tool);
    return encode(rule, tool.kind, decided.decision);
  }

  private decideSide(kind: ToolKind): SideDecision {
    const decided = strongest(this.contributions, kind, null);
    const code = encode(this.sideRule(kind, decided), kind, decided.decision);
    return { decision: decided.decision, code };
  }

  private sideRule(side: ToolKind, decided: Strongest): number {
    return this.table.add(
      `${decided.winner.via.idPrefix}:connector:${this.connector}:${side}`,
      'connector_rule',
      side,
      decided.winner.via,
    );
  }

  // A tool the organization has not approved (drifted from the catalogue) is asked about at most.
  private drift(tool: ConnectorToolSource): ToolCode {
    const rule = this.table.add(
      `connector:${this.connector}:tool:${tool.name}:drift`,
      'drift',
      tool.name,
    );
    return encode(rule, tool.kind, 'ask');
  }
}

function compileFolders(
  sources: PolicySources,
  grants: GrantRef[],
  folders: Record<OperatingSystem, FolderEntry[]>,
  table: RuleTable,
): void {
  const entries = new Map<OperatingSystem, Map<string, FolderEntry>>();
  for (const os of OPERATING_SYSTEMS) entries.set(os, new Map());
  const forbiddenRoots = new Map<OperatingSystem, string[]>();
  for (const os of OPERATING_SYSTEMS) forbiddenRoots.set(os, []);

  for (const entry of ceilingEntries(sources.ceiling)) {
    const rule = table.add(`ceiling:${entry.id}`, 'ceiling', entry.pattern);
    const code = entry.scope === 'root' ? FOLDER_FORBID_ROOT : FOLDER_FORBID_SUBTREE;
    for (const os of entry.os ?? patternSystems(entry.pattern)) {
      const prefix = canonicalPattern(entry.pattern, os);
      if (prefix === null) continue;
      const map = entries.get(os)!;
      const existing = map.get(prefix);
      // The subtree form is the stronger of the two.
      if (!existing || (existing[1] === FOLDER_FORBID_ROOT && code === FOLDER_FORBID_SUBTREE)) {
        map.set(prefix, [prefix, code, rule]);
      }
      if (entry.scope === 'root') forbiddenRoots.get(os)!.push(prefix);
    }
  }

  for (const via of grants) {
    for (const root of via.grant.role.folderRoots) {
      const code = root.access === 'read_write' ? FOLDER_READ_WRITE : FOLDER_READ;
      for (const os of root.os ?? patternSystems(root.pattern)) {
        const prefix = canonicalPattern(root.pattern, os);
        if (prefix === null) continue;
        if (forbiddenRoots.get(os)!.some((forbidden) => isWithin(forbidden, prefix))) continue;
        const map = entries.get(os)!;
        const existing = map.get(prefix);
        if (existing && (existing[1] >= FOLDER_FORBID_SUBTREE || existing[1] >= code)) continue;
        map.set(prefix, [
          prefix,
          code,
          table.add(
            `${via.idPrefix}:folder:${os}:${prefix}`,
            'folder_root',
            `${root.pattern} (${root.access === 'read_write' ? 'read-write' : 'read-only'})`,
            via,
          ),
        ]);
      }
    }
  }
  for (const os of OPERATING_SYSTEMS) {
    folders[os] = [...entries.get(os)!.values()].sort((a, b) => compare(a[0], b[0]));
  }
}
