import type { Capability } from './capabilities';
import type { ConnectorTransport, OperatingSystem } from './model';

// The compiled effective policy of one user: the body of a signed bundle. Compact and
// JSON-serialisable, with lookup tables precomputed so the engine decides each request with a
// couple of hash lookups. Bump POLICY_FORMAT_VERSION on any change a runtime must understand.
export const POLICY_FORMAT_VERSION = 2;

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

// One connector's catalogue: its tool names in catalogue order and each tool's code at the same
// index. Two flat arrays rather than a name → code object (format 1): building 10,000 object
// properties per compile was most of its time, and the engine builds its maps on load anyway.
export type ToolTable = [names: string[], codes: ToolCode[]];

// Folder entry code.
export const FOLDER_READ = 0;
export const FOLDER_READ_WRITE = 1;
export const FOLDER_FORBID_SUBTREE = 2;
export const FOLDER_FORBID_ROOT = 3;

// [canonical prefix, folder code, rule index]
export type FolderEntry = [prefix: string, code: number, rule: number];

// How the runtime reaches an allow-listed connector. The runtime connects only to these, so a
// signed bundle, not a file on the endpoint, decides which server a connector name means.
export type ConnectorAddress =
  | {
      transport: Extract<ConnectorTransport, 'stdio'>;
      command: string;
      args: string[];
      version: string;
    }
  | { transport: Extract<ConnectorTransport, 'streamable_http'>; url: string; version: string };

export interface CompiledPolicy {
  formatVersion: typeof POLICY_FORMAT_VERSION;
  userId: string;
  active: boolean;
  // Referenced by index from the tables below.
  rules: RuleRef[];
  // Granted capabilities → the rule that granted them. Absent means not granted.
  capabilities: Partial<Record<Capability, number>>;
  // connector → its tool table. Connectors and tools not listed are denied.
  tools: Record<string, ToolTable>;
  // Per system: the ceiling's forbidden locations and the allowed roots, canonical (see paths.ts).
  folders: Record<OperatingSystem, FolderEntry[]>;
  // connector → its address, for the connectors in `tools` that have one.
  connectors: Record<string, ConnectorAddress>;
  // Hosts shell commands may reach; empty (no network at all) without the `web` capability.
  network: { hosts: string[] };
  approvals: {
    // Plans need the person's approval unless a role may auto-approve them.
    plan: 'person' | 'auto';
    planRule: number;
    // `ask` tools prompt on every call.
    askTools: 'each_call';
  };
}
