import type { Decision, FolderAccess, OperatingSystem, ToolKind } from '@steward/policy';
import type { AdminPrincipal } from '../auth/admin-principal';

// Published on the event bus after every committed governance change, naming the users whose
// effective policy may have changed ('all' when the change reaches everyone: connectors, the
// ceiling, organization settings). The bundles module recompiles and republishes for them.
export const GOVERNANCE_CHANGED_CHANNEL = 'governance.changed';

export interface GovernanceChanged {
  organizationId: string;
  userIds: string[] | 'all';
}

// The spend settings as admins see and write them: USD as exact decimal strings.
export interface EndpointSpendWrite {
  leaseRequired: boolean;
  maxLeaseUsd: string;
  offlineAllowanceUsd: string;
}

export type Subject = 'group' | 'user';

export interface GovernanceActor {
  type: 'admin' | 'system' | 'operator';
  id?: string;
}

export function actorOf(admin: AdminPrincipal): GovernanceActor {
  return { type: 'admin', id: admin.adminId };
}

export interface ConnectorRuleWrite {
  connectorId: string;
  read: Decision;
  write: Decision;
  toolOverrides: { tool: string; decision: Decision }[];
}

export interface FolderRootWrite {
  pattern: string;
  access: FolderAccess;
  os: OperatingSystem[];
}

// A role as an admin writes it (replace semantics: what is left out is removed).
export interface RoleWrite {
  name: string;
  description: string;
  capabilities: string[];
  connectorRules: ConnectorRuleWrite[];
  folderRoots: FolderRootWrite[];
}

export interface ConnectorWrite {
  name: string;
  transport: 'stdio' | 'streamable_http';
  command: string | null;
  args: string[];
  url: string | null;
  version: string;
}

// The server a connector names, as written (from a stored connector, which carries more).
export function connectorDefinition(connector: ConnectorWrite): ConnectorWrite {
  return {
    name: connector.name,
    transport: connector.transport,
    command: connector.command,
    args: connector.args,
    url: connector.url,
    version: connector.version,
  };
}

// A tool as an MCP server lists it (the parts governance keeps).
export interface CatalogueTool {
  name: string;
  description: string;
  annotations: Record<string, unknown>;
}

export interface CatalogueDrift {
  added: string[];
  changed: string[];
  removed: string[];
}

export type { ToolKind };
