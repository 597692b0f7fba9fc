import type { Capability } from './capabilities';
import { FOLDER_FORBID_ROOT, FOLDER_FORBID_SUBTREE, FOLDER_READ_WRITE } from './compiled';
import type { CompiledPolicy, RuleRef } from './compiled';
import { OPERATING_SYSTEMS } from './model';
import type { Decision, OperatingSystem, ToolKind } from './model';
import { canonicalPath, parentPath, relativeToHome } from './paths';

export interface CapabilityDecision {
  allowed: boolean;
  rule: RuleRef;
}

export interface ToolDecision {
  decision: Decision;
  // Unknown when the tool is not in the user's compiled catalogue.
  kind?: ToolKind;
  rule: RuleRef;
}

export interface PathDecision {
  decision: 'allow' | 'deny';
  rule: RuleRef;
}

export interface PathContext {
  os: OperatingSystem;
  // The user's home folder on the endpoint, for rules written with `~`.
  home: string;
}

const DECISION: readonly Decision[] = ['allow', 'ask', 'deny'];
const INACTIVE: RuleRef = { id: 'user:inactive', kind: 'user_inactive' };
const INVALID_PATH: RuleRef = { id: 'path:invalid', kind: 'invalid_path' };
const NO_ROOT: RuleRef = { id: 'folder:no_root', kind: 'no_folder_root' };

function missing(capability: Capability): RuleRef {
  return { id: `capability:${capability}:missing`, kind: 'capability_missing', detail: capability };
}

// Decides requests over one CompiledPolicy, the same way in the console (explain, simulate) and on
// the endpoint (enforcement). Construction turns the tables into Maps once; each decision is then
// a few lookups. Every decision carries the rule that made it, with its role and group.
export class PolicyEngine {
  private readonly tools = new Map<string, Map<string, number>>();
  private readonly folders = new Map<OperatingSystem, Map<string, number>>();
  private readonly folderRules = new Map<OperatingSystem, Map<string, number>>();
  private homeRaw: string | null = null;
  private homeOs: OperatingSystem | null = null;
  private homeCanonical: string | null = null;

  constructor(readonly policy: CompiledPolicy) {
    for (const [connector, [names, codes]] of Object.entries(policy.tools)) {
      const tools = new Map<string, number>();
      for (let i = 0; i < names.length; i++) tools.set(names[i], codes[i]);
      this.tools.set(connector, tools);
    }
    for (const os of OPERATING_SYSTEMS) {
      const codes = new Map<string, number>();
      const rules = new Map<string, number>();
      for (const [prefix, code, rule] of policy.folders[os] ?? []) {
        codes.set(prefix, code);
        rules.set(prefix, rule);
      }
      this.folders.set(os, codes);
      this.folderRules.set(os, rules);
    }
  }

  capability(capability: Capability): CapabilityDecision {
    if (!this.policy.active) return { allowed: false, rule: INACTIVE };
    const agent = this.policy.capabilities.agent;
    if (agent === undefined) return { allowed: false, rule: missing('agent') };
    const rule = this.policy.capabilities[capability];
    return rule === undefined
      ? { allowed: false, rule: missing(capability) }
      : { allowed: true, rule: this.policy.rules[rule] };
  }

  tool(connector: string, tool: string): ToolDecision {
    if (!this.policy.active) return { decision: 'deny', rule: INACTIVE };
    const gate = this.policy.capabilities.agent === undefined ? 'agent' : 'connectors';
    if (this.policy.capabilities[gate] === undefined) {
      return { decision: 'deny', rule: missing(gate) };
    }
    const tools = this.tools.get(connector);
    if (!tools) {
      return {
        decision: 'deny',
        rule: {
          id: `connector:${connector}:not_allowed`,
          kind: 'connector_not_allowed',
          detail: connector,
        },
      };
    }
    const code = tools.get(tool);
    if (code === undefined) {
      return {
        decision: 'deny',
        rule: {
          id: `connector:${connector}:tool:${tool}:unknown`,
          kind: 'tool_not_in_catalogue',
          detail: tool,
        },
      };
    }
    return {
      decision: DECISION[code & 3],
      kind: code & 4 ? 'write' : 'read',
      rule: this.policy.rules[code >>> 3],
    };
  }

  // May the user read or write `path`? Denied when the path is not absolute (or `~/…`) or climbs out of its
  // root, when it lies in a ceiling location, or when no allowed root (read-write, for writes)
  // covers it.
  path(path: string, access: 'read' | 'write', context: PathContext): PathDecision {
    if (!this.policy.active) return { decision: 'deny', rule: INACTIVE };
    if (this.policy.capabilities.agent === undefined) {
      return { decision: 'deny', rule: missing('agent') };
    }
    const canonical = canonicalPath(path, context.os);
    if (canonical === null) return { decision: 'deny', rule: INVALID_PATH };
    const codes = this.folders.get(context.os)!;
    const rules = this.folderRules.get(context.os)!;
    let allowedBy = -1;
    let readOnlyBy = -1;
    // `~/…` is accepted as written (the console's "may Bob write ~/Work/x?").
    let current: string | null =
      canonical[0] === '~' ? canonical : relativeToHome(canonical, this.home(context));
    let first = true;
    while (current !== null) {
      const code = codes.get(current);
      if (code !== undefined) {
        if (code === FOLDER_FORBID_SUBTREE || (code === FOLDER_FORBID_ROOT && first)) {
          return { decision: 'deny', rule: this.policy.rules[rules.get(current)!] };
        }
        if (code < FOLDER_FORBID_SUBTREE && allowedBy < 0) {
          if (access === 'read' || code === FOLDER_READ_WRITE) allowedBy = rules.get(current)!;
          else if (readOnlyBy < 0) readOnlyBy = rules.get(current)!;
        }
      }
      first = false;
      current = parentPath(current);
    }
    if (allowedBy >= 0) return { decision: 'allow', rule: this.policy.rules[allowedBy] };
    return { decision: 'deny', rule: readOnlyBy >= 0 ? this.policy.rules[readOnlyBy] : NO_ROOT };
  }

  planApproval(): { mode: 'person' | 'auto'; rule: RuleRef } {
    return {
      mode: this.policy.active ? this.policy.approvals.plan : 'person',
      rule: this.policy.rules[this.policy.approvals.planRule],
    };
  }

  private home(context: PathContext): string | null {
    if (context.home !== this.homeRaw || context.os !== this.homeOs) {
      this.homeRaw = context.home;
      this.homeOs = context.os;
      this.homeCanonical = canonicalPath(context.home, context.os);
    }
    return this.homeCanonical;
  }
}

// One sentence for the console and for `steward-agent explain`.
export function describeRule(rule: RuleRef): string {
  const via = rule.role
    ? ` (role "${rule.role.name}"${rule.group ? ` via group "${rule.group.name}"` : ', bound directly'})`
    : '';
  switch (rule.kind) {
    case 'user_inactive':
      return 'the user is deactivated';
    case 'capability_granted':
      return `capability ${rule.detail} granted${via}`;
    case 'capability_missing':
      return `no role grants the ${rule.detail} capability`;
    case 'connector_not_allowed':
      return `connector ${rule.detail} is not on the organization's allow-list`;
    case 'tool_not_in_catalogue':
      return `tool ${rule.detail} is not in the connector's approved catalogue`;
    case 'no_connector_rule':
      return `no role has a rule for connector ${rule.detail}`;
    case 'connector_rule':
      return `the connector's ${rule.detail} rule${via}`;
    case 'tool_override':
      return `the per-tool rule for ${rule.detail}${via}`;
    case 'drift':
      return `tool ${rule.detail} changed since the catalogue was approved`;
    case 'ceiling':
      return `${rule.detail} is forbidden by the organization's folder ceiling`;
    case 'folder_root':
      return `allowed root ${rule.detail}${via}`;
    case 'no_folder_root':
      return 'no allowed root covers the path';
    case 'invalid_path':
      return 'the path is not absolute or climbs out of its root';
    case 'plan_approval':
      return rule.detail ?? 'plans need approval';
  }
}
