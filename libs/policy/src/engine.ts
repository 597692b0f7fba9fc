import type { Capability } from './capabilities';
import { FOLDER_FORBID_ROOT, FOLDER_FORBID_SUBTREE, FOLDER_READ_WRITE } from './compiled';
import type { CompiledPolicy, FolderEntry, RuleRef } from './compiled';
import { OPERATING_SYSTEMS } from './model';
import type { Decision, OperatingSystem, ToolKind } from './model';
import { canonicalPath, caseInsensitive, isPlainRelative, isWithin, relativeToHome } from './paths';

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

export interface FolderScope {
  // The decision for `relative` below the folder, as a tool was given it; null when it is not in
  // plain form (empty, `.` or `..` segments, non-ASCII…): then decide its absolute path instead.
  decide(relative: string, access: 'read' | 'write'): PathDecision | null;
}

export interface RuledLocation {
  location: string;
  // Readable (then not writable) or hidden altogether.
  readable: boolean;
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

// One system's folder entries, matched without walking the path's parents: `entries` maps a
// canonical prefix to `rule << 2 | code`, and `lengths` holds the entries' distinct prefix lengths,
// longest first. A path can only match an entry at one of those lengths, and only where a segment
// ends there, so a decision slices and looks up at most a handful of candidates.
interface FolderMatcher {
  entries: Map<string, number>;
  lengths: number[];
  // Whether any entry is written as an absolute path (not `~`): only then can a path inside the
  // home match an entry in its absolute form.
  absolute: boolean;
}

const SLASH = 47;

function matcherOf(entries: Map<string, number>): FolderMatcher {
  const lengths = [...new Set([...entries.keys()].map((prefix) => prefix.length))];
  const absolute = [...entries.keys()].some((prefix) => prefix[0] !== '~');
  return { entries, lengths: lengths.sort((a, b) => b - a), absolute };
}

function folderMatcher(folders: FolderEntry[] | undefined): FolderMatcher {
  const entries = new Map<string, number>();
  for (const [prefix, code, rule] of folders ?? []) entries.set(prefix, (rule << 2) | code);
  return matcherOf(entries);
}

// Rule indexes a scan found (-1: none): the deepest forbidding entry, the deepest root allowing
// the access, and, while none allows it, the deepest read-only root.
interface Scan {
  forbid: number;
  allowedBy: number;
  readOnlyBy: number;
}

const NOTHING: Scan = { forbid: -1, allowedBy: -1, readOnlyBy: -1 };

// A canonical `~/…` path placed in the canonical home; null for an absolute path, or when the home
// is unknown or the root.
function inHome(canonical: string, home: string | null): string | null {
  if (canonical[0] !== '~' || !home || home === '/') return null;
  return home + canonical.slice(1);
}

// One place's scans in both the forms rules are written in (`~/…` and absolute): a forbidding
// entry in either denies; otherwise what either allows is allowed.
function merged(home: Scan, absolute: Scan): Scan {
  if (home.forbid >= 0) return home;
  if (absolute.forbid >= 0) return absolute;
  return {
    forbid: -1,
    allowedBy: home.allowedBy >= 0 ? home.allowedBy : absolute.allowedBy,
    readOnlyBy: home.readOnlyBy >= 0 ? home.readOnlyBy : absolute.readOnlyBy,
  };
}

// Matches `target` against every entry that is it or lies above it, deepest first, so the rule an
// explanation names is the closest one; a forbidden location above an allowed root still denies.
// `exact`: the request is `target` itself, where a `root` ceiling location applies.
function scan(
  matcher: FolderMatcher,
  target: string,
  access: 'read' | 'write',
  exact: boolean,
): Scan {
  let allowedBy = -1;
  let readOnlyBy = -1;
  for (const length of matcher.lengths) {
    const prefix = candidate(target, length);
    if (prefix === null) continue;
    const entry = matcher.entries.get(prefix);
    if (entry === undefined) continue;
    const code = entry & 3;
    const rule = entry >>> 2;
    if (
      code === FOLDER_FORBID_SUBTREE ||
      (code === FOLDER_FORBID_ROOT && exact && length === target.length)
    ) {
      return { forbid: rule, allowedBy: -1, readOnlyBy: -1 };
    }
    if (code < FOLDER_FORBID_SUBTREE && allowedBy < 0) {
      if (access === 'read' || code === FOLDER_READ_WRITE) allowedBy = rule;
      else if (readOnlyBy < 0) readOnlyBy = rule;
    }
  }
  return { forbid: -1, allowedBy, readOnlyBy };
}

// The part of `target` an entry of `length` characters could be: the whole path, or a prefix that
// ends a segment. A one-character root (`/`, `~`) covers what lies below it, except that `/` is no
// ancestor of a UNC path (`//server/share/…`).
function candidate(target: string, length: number): string | null {
  if (length === target.length) return target;
  if (length > target.length) return null;
  if (length === 1) {
    if (target.charCodeAt(0) === SLASH) return target.charCodeAt(1) === SLASH ? null : '/';
    return target.charCodeAt(1) === SLASH ? target[0]! : null;
  }
  return target.charCodeAt(length) === SLASH ? target.slice(0, length) : null;
}

function missing(capability: Capability): RuleRef {
  return { id: `capability:${capability}:missing`, kind: 'capability_missing', detail: capability };
}

// Decides requests over one CompiledPolicy, the same way in the console (explain, simulate) and on
// the endpoint (enforcement). Construction turns the tables into Maps once; each decision is then
// a few lookups. Every decision carries the rule that made it, with its role and group.
export class PolicyEngine {
  private readonly tools = new Map<string, Map<string, number>>();
  private readonly folders = new Map<OperatingSystem, FolderMatcher>();
  private homeRaw: string | null = null;
  private homeOs: OperatingSystem | null = null;
  private homeCanonical: string | null = null;

  constructor(readonly policy: CompiledPolicy) {
    for (const [connector, [names, codes]] of Object.entries(policy.tools)) {
      const tools = new Map<string, number>();
      for (let i = 0; i < names.length; i++) tools.set(names[i], codes[i]);
      this.tools.set(connector, tools);
    }
    for (const os of OPERATING_SYSTEMS) this.folders.set(os, folderMatcher(policy.folders[os]));
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

  // May the user read or write `path`? Denied when the path is not absolute (or `~/…`) or climbs
  // out of its root, when it lies in a ceiling location, or when no allowed root (read-write, for
  // writes) covers it.
  path(path: string, access: 'read' | 'write', context: PathContext): PathDecision {
    const gate = this.pathGate();
    if (gate) return gate;
    const target = this.target(path, context);
    if (target === null) return { decision: 'deny', rule: INVALID_PATH };
    const matcher = this.folders.get(context.os)!;
    const absolute = this.absoluteForm(matcher, target, context);
    let found = scan(matcher, target, access, true);
    if (absolute !== null) found = merged(found, scan(matcher, absolute, access, true));
    return this.decided(found.forbid, found.allowedBy, found.readOnlyBy);
  }

  // Decisions for the paths below one folder (a granted folder, for a session), precompiled: the
  // entries above the folder are matched once, the entries below it are keyed relative to it, so
  // deciding a path below it reads only its relative part. Null when `folder` is not a valid path.
  folderScope(folder: string, context: PathContext): FolderScope | null {
    const gate = this.pathGate();
    if (gate) return { decide: () => gate };
    const target = this.target(folder, context);
    if (target === null) return null;
    const matcher = this.folders.get(context.os)!;
    const absolute = this.absoluteForm(matcher, target, context);
    const forms = absolute === null ? [target] : [target, absolute];
    const below = new Map<string, number>();
    for (const form of forms) {
      const cut = form === '/' ? 1 : form.length + 1;
      for (const [prefix, entry] of matcher.entries) {
        if (prefix.length <= form.length || !isWithin(prefix, form)) continue;
        const key = prefix.slice(cut);
        // The same place ruled in both forms: the forbidding rule is the one kept.
        const held = below.get(key);
        if (
          held === undefined ||
          ((entry & 3) >= FOLDER_FORBID_SUBTREE && (held & 3) < FOLDER_FORBID_SUBTREE)
        ) {
          below.set(key, entry);
        }
      }
    }
    const inside = matcherOf(below);
    // A path below the folder is never the folder itself: a `root` location there does not apply.
    const aboveOf = (access: 'read' | 'write') => {
      const found = scan(matcher, target, access, false);
      return absolute === null ? found : merged(found, scan(matcher, absolute, access, false));
    };
    const above = { read: aboveOf('read'), write: aboveOf('write') };
    const os = context.os;
    return {
      decide: (relative, access) => {
        if (!isPlainRelative(relative, os)) return null;
        const key = caseInsensitive(os) ? relative.toLowerCase() : relative;
        const found = below.size ? scan(inside, key, access, true) : NOTHING;
        const outer = above[access];
        return this.decided(
          found.forbid >= 0 ? found.forbid : outer.forbid,
          found.allowedBy >= 0 ? found.allowedBy : outer.allowedBy,
          found.readOnlyBy >= 0 ? found.readOnlyBy : outer.readOnlyBy,
        );
      },
    };
  }

  // The rule locations strictly below `path` that a person holding `path` may not read, or may
  // read but not write: what a sandbox must hide or mount read-only inside a grant, and what a
  // move of `path` would carry away. `location` is absolute (a `~` rule is placed in the home).
  // The `root` ceiling scope forbids only the folder itself, not what is below it, and is skipped.
  ruledBelow(path: string, context: PathContext): RuledLocation[] {
    if (this.pathGate()) return [];
    const target = this.target(path, context);
    if (target === null) return [];
    const home = this.home(context);
    // Compared in absolute form: a `~` rule lies below a folder above the home too.
    const absolute = (canonical: string) => inHome(canonical, home) ?? canonical;
    const folder = absolute(target);
    const found: RuledLocation[] = [];
    for (const [prefix, code] of this.folders.get(context.os)!.entries) {
      if ((code & 3) === FOLDER_FORBID_ROOT) continue;
      const location = absolute(prefix);
      if (location.length <= folder.length || !isWithin(location, folder)) continue;
      const read = this.path(prefix, 'read', context);
      const write = this.path(prefix, 'write', context);
      if (read.decision === 'allow' && write.decision === 'allow') continue;
      const readable = read.decision === 'allow';
      found.push({ location, readable, rule: (readable ? write : read).rule });
    }
    return found;
  }

  private pathGate(): PathDecision | null {
    if (!this.policy.active) return { decision: 'deny', rule: INACTIVE };
    if (this.policy.capabilities.agent === undefined) {
      return { decision: 'deny', rule: missing('agent') };
    }
    return null;
  }

  // The canonical form rules are matched against; `~/…` is accepted as written (the console's
  // "may Bob write ~/Work/x?"), other paths inside the home are rewritten to it.
  private target(path: string, context: PathContext): string | null {
    const canonical = canonicalPath(path, context.os);
    if (canonical === null) return null;
    return canonical[0] === '~' ? canonical : relativeToHome(canonical, this.home(context));
  }

  // A target inside the home (`~/…`) in its absolute form, when some entry is written absolute:
  // a rule on `/home` or on `/home/ana/Work/hr` covers `~/Work/hr/x` as much as one written `~/…`.
  private absoluteForm(matcher: FolderMatcher, target: string, context: PathContext) {
    return matcher.absolute ? inHome(target, this.home(context)) : null;
  }

  private decided(forbid: number, allowedBy: number, readOnlyBy: number): PathDecision {
    if (forbid >= 0) return { decision: 'deny', rule: this.policy.rules[forbid] };
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
