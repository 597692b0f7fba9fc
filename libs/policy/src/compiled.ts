import type { Capability } from './capabilities';
import type { OperatingSystem } from './model';

// The compiled effective policy of one user: the body of a signed bundle. Compact and
// JSON-serialisable, with lookup tables precomputed so the engine decides each request with a
// couple of hash lookups. Bump POLICY_FORMAT_VERSION on any change a runtime must understand.
export const POLICY_FORMAT_VERSION = 1;

export type RuleKind =
  | 'user_inactive'
  | 'capability_granted'
  | 'capability_missing'
  | 'connector_not_allowed'
  | 'tool_not_in_catalogue'
  | 'no_connector_rule'
  | 'connector_rule'
  | 'tool_override'
  | 'drift'
  | 'ceiling'
  | 'folder_root'
  | 'no_folder_root'
  | 'invalid_path'
  | 'plan_approval';

// What produced a decision: the rule, and the role and group (or direct binding) it came through.
export interface RuleRef {
  id: string;
  kind: RuleKind;
  // The capability, `read`/`write`, tool name or folder pattern the rule is about.
  detail?: string;
  role?: { id: string; name: string };
  group?: { id: string; name: string };
}

// Tool entry: `rule << 3 | kind << 2 | decision`, decision 0 allow, 1 ask, 2 deny; kind 0 read,
// 1 write. One small integer per tool keeps a 10,000-tool bundle small and the lookup cheap.
export type ToolCode = number;

// Folder entry code.
export const FOLDER_READ = 0;
export const FOLDER_READ_WRITE = 1;
export const FOLDER_FORBID_SUBTREE = 2;
export const FOLDER_FORBID_ROOT = 3;

// [canonical prefix, folder code, rule index]
export type FolderEntry = [prefix: string, code: number, rule: number];

export interface CompiledPolicy {
  formatVersion: typeof POLICY_FORMAT_VERSION;
  userId: string;
  active: boolean;
  // Referenced by index from the tables below.
  rules: RuleRef[];
  // Granted capabilities → the rule that granted them. Absent means not granted.
  capabilities: Partial<Record<Capability, number>>;
  // connector → tool → ToolCode. Connectors and tools not listed are denied.
  tools: Record<string, Record<string, ToolCode>>;
  // Per system: the ceiling's forbidden locations and the allowed roots, canonical (see paths.ts).
  folders: Record<OperatingSystem, FolderEntry[]>;
  approvals: {
    // Plans need the person's approval unless a role may auto-approve them.
    plan: 'person' | 'auto';
    planRule: number;
    // `ask` tools prompt on every call.
    askTools: 'each_call';
  };
}
