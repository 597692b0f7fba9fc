// Every server-state key in one place, so invalidation after a mutation is a lookup, not a guess.
export const queryKeys = {
  viewer: ['viewer'] as const,
  roles: ['roles'] as const,
  simulation: (roleId: string, draft: unknown) => ['roles', roleId, 'simulation', draft] as const,
  connectors: ['connectors'] as const,
  governanceSettings: ['governance-settings'] as const,
  spendLimits: ['spend-limits'] as const,
  spendBudgets: ['spend-budgets'] as const,
  endpoints: (userId?: string) => ['endpoints', userId ?? 'all'] as const,
  endpointsAll: ['endpoints'] as const,
  bundlePublishes: ['bundle-publishes'] as const,
  bundleRollout: (publishId: string) => ['bundle-publishes', publishId, 'rollout'] as const,
  signingKeys: ['signing-keys'] as const,
  auditRecords: (filter: unknown) => ['audit', 'records', filter] as const,
  auditVerification: ['audit', 'verification'] as const,
  auditExport: (id: string) => ['audit', 'exports', id] as const,
  auditRetention: ['audit', 'retention'] as const,
  samlSettings: ['saml-settings'] as const,
  adminRoleMappings: ['admin-role-mappings'] as const,
  machineCredentials: ['machine-credentials'] as const,
  telemetryCollector: ['telemetry-collector'] as const,
  directoryUsers: (search: string, page: number) => ['directory', 'users', search, page] as const,
  directoryGroups: (search: string, page: number) => ['directory', 'groups', search, page] as const,
  explainCapability: (userId: string, capability: string) =>
    ['explain', userId, 'capability', capability] as const,
  explainTool: (userId: string, connector: string, tool: string) =>
    ['explain', userId, 'tool', connector, tool] as const,
};
