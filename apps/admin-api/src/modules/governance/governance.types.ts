import type { Decision, FolderAccess, OperatingSystem, ToolKind } from '@steward/policy';

// Published on the event bus after every committed governance change, naming the users whose
// effective policy may have changed ('all' when the change reaches everyone: connectors, the
// ceiling, organization settings). The bundles module recompiles and republishes for them.
export const GOVERNANCE_CHANGED_CHANNEL = 'governance.changed';

export interface GovernanceChanged {
  organizationId: string;
  userIds: string[] | 'all';
}

export type GovernanceErrorCode =
  'not_found' | 'invalid' | 'conflict' | 'import_failed' | 'disabled' | 'address_refused';

export class GovernanceError extends Error {
  constructor(
    readonly code: GovernanceErrorCode,
    message: string,
    // The input field at fault, when one is, so a form can show the message next to it.
    readonly field?: string,
  ) {
    super(message);
  }
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

export interface SpendLimitWrite {
  subjectType: Subject;
  subjectId: string;
  // Exact decimal USD, e.g. "250.00".
  amountUsd: string;
  period: 'day' | 'week' | 'month';
  enforcement: 'hard' | 'soft';
  alertThresholds: number[];
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
