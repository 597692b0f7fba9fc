// The policy sources of one user, as the admin API gathers them from its database: the roles the
// user holds (and through which group or direct binding), the organization's connector allow-list
// with tool catalogues, the folder ceiling and the approval rules. `compilePolicy` turns them into
// a `CompiledPolicy`; everything here is plain data so the runtime and tests can build it too.

export type Decision = 'allow' | 'ask' | 'deny';
export type ToolKind = 'read' | 'write';
export type FolderAccess = 'read' | 'read_write';
export type OperatingSystem = 'macos' | 'windows' | 'linux';
export type ConnectorTransport = 'stdio' | 'streamable_http';

export const DECISIONS: readonly Decision[] = ['allow', 'ask', 'deny'];
export const OPERATING_SYSTEMS: readonly OperatingSystem[] = ['macos', 'windows', 'linux'];

export interface ConnectorRuleSource {
  // The connector's name on the allow-list.
  connector: string;
  read: Decision;
  write: Decision;
  // Per-tool decisions that replace read/write for that tool, in this role only.
  tools?: Record<string, Decision>;
}

export interface FolderRootSource {
  // A folder: `~/Work`, `/srv/projects`, `D:\Projects`. `~` is the user's home on the endpoint.
  // Prefixes only (no globs): a root covers the folder and everything below it.
  pattern: string;
  access: FolderAccess;
  // Which systems the root applies to; by default those whose path syntax it uses
  // (`~/…` all, `/…` macOS and Linux, `C:\…` Windows).
  os?: OperatingSystem[];
}

export interface RoleSource {
  id: string;
  name: string;
  capabilities: string[];
  connectorRules: ConnectorRuleSource[];
  folderRoots: FolderRootSource[];
}

// How the user holds a role: through a group they are a member of, or bound directly.
export type GrantVia = { kind: 'group'; groupId: string; groupName: string } | { kind: 'user' };

export interface RoleGrant {
  role: RoleSource;
  via: GrantVia;
}

export interface ConnectorToolSource {
  name: string;
  // Effective classification: the admin's override, else from MCP annotations (see classifyTool).
  kind: ToolKind;
  destructive: boolean;
  // False for a tool that was added or whose annotations changed since the catalogue was last
  // approved (drift): it is decided `ask` at most until an admin approves the catalogue again.
  approved: boolean;
}

export interface ConnectorSource {
  name: string;
  transport: ConnectorTransport;
  tools: ConnectorToolSource[];
  // Where the server is (`command`/`args` for stdio, `url` for streamable HTTP) and the server
  // version it must report. A connector without a complete address is compiled unreachable.
  command?: string | null;
  args?: string[];
  url?: string | null;
  version?: string;
}

export interface CeilingEntrySource {
  id: string;
  pattern: string;
  // `subtree`: the folder and everything below it is forbidden. `root`: the folder itself is
  // forbidden and no allowed root may be it or contain it (the home folder: granting it would
  // grant everything in it), though folders below it may be granted.
  scope: 'subtree' | 'root';
  os?: OperatingSystem[];
  description?: string;
}

export interface CeilingSource {
  // Ids of DEFAULT_CEILING entries the organization switched off. Missing means all are on.
  disabledDefaults?: string[];
  // Extra forbidden locations.
  extra?: CeilingEntrySource[];
}

export interface ApprovalRulesSource {
  // Whether any role may auto-approve plans (with the `auto_approve_plans` capability).
  autoApprovePlansAllowed: boolean;
}

export interface NetworkSource {
  // Hosts (`example.com`, `*.example.com`) that users with the `web` capability may reach.
  webHosts: string[];
}

export interface PolicySources {
  user: { id: string; active: boolean };
  grants: RoleGrant[];
  connectors: ConnectorSource[];
  ceiling?: CeilingSource;
  approvals?: ApprovalRulesSource;
  network?: NetworkSource;
}

// MCP tool annotations (the `annotations` of a `tools/list` entry).
export interface ToolAnnotations {
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
  title?: string;
}

// `readOnlyHint: true` is the only way a tool counts as read; anything else (including no
// annotations) is write, the side that needs the stronger permission.
export function classifyTool(
  annotations: ToolAnnotations | undefined,
  override?: ToolKind | null,
): { kind: ToolKind; destructive: boolean } {
  return {
    kind: override ?? (annotations?.readOnlyHint === true ? 'read' : 'write'),
    // The MCP default for destructiveHint is true on non-read-only tools.
    destructive:
      annotations?.readOnlyHint === true ? false : annotations?.destructiveHint !== false,
  };
}
