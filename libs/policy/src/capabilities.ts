// The fixed catalogue of capabilities the endpoint runtime understands. Roles grant subsets of it;
// names outside it are rejected when an admin writes a role, so a typo can never silently grant or
// withhold something.
export const CAPABILITIES = [
  // Use the agent at all. Without it the user gets nothing, whatever else a role grants.
  'agent',
  'shell',
  'web',
  'computer_use',
  'scheduled_tasks',
  'skills',
  // Call MCP connectors at all; each tool is then decided by connector rules.
  'connectors',
  // Plans run without the person's approval (only where the organization allows it).
  'auto_approve_plans',
  'mobile_dispatch',
] as const;

export type Capability = (typeof CAPABILITIES)[number];

const KNOWN = new Set<string>(CAPABILITIES);

export function isCapability(name: string): name is Capability {
  return KNOWN.has(name);
}

// The unknown names in `names` (empty when all are known).
export function unknownCapabilities(names: readonly string[]): string[] {
  return names.filter((name) => !KNOWN.has(name));
}
