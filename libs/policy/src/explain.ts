import { CAPABILITIES, type Capability } from './capabilities';
import { FOLDER_FORBID_ROOT, FOLDER_FORBID_SUBTREE, FOLDER_READ_WRITE } from './compiled';
import type { ConnectorAddress } from './compiled';
import { describeRule, type PolicyEngine } from './engine';
import type { Decision, OperatingSystem, ToolKind } from './model';

export type FolderAccessWords =
  'forbidden (the folder itself)' | 'forbidden' | 'read and write' | 'read only';

// A user's whole effective policy in plain words, decided by the engine the endpoint enforces
// with: what `steward-agent policy` prints, and what the console can show for a person.
export interface ExplainedPolicy {
  active: boolean;
  capabilities: { capability: Capability; allowed: boolean; why: string }[];
  plans: { mode: 'person' | 'auto'; why: string };
  connectors: {
    connector: string;
    // How the runtime reaches it, or null when the bundle names no address (calls fail).
    address: string | null;
    version: string | null;
    tools: { tool: string; decision: Decision; kind?: ToolKind; why: string }[];
  }[];
  folders: { location: string; access: FolderAccessWords; why: string }[];
  networkHosts: string[];
}

export function folderAccessWords(code: number): FolderAccessWords {
  if (code === FOLDER_FORBID_ROOT) return 'forbidden (the folder itself)';
  if (code === FOLDER_FORBID_SUBTREE) return 'forbidden';
  return code === FOLDER_READ_WRITE ? 'read and write' : 'read only';
}

function addressWords(address: ConnectorAddress): string {
  return address.transport === 'stdio' ? [address.command, ...address.args].join(' ') : address.url;
}

export function explainPolicy(engine: PolicyEngine, os: OperatingSystem): ExplainedPolicy {
  const { policy } = engine;
  const plan = engine.planApproval();
  return {
    active: policy.active,
    capabilities: CAPABILITIES.map((capability) => {
      const decided = engine.capability(capability);
      return { capability, allowed: decided.allowed, why: describeRule(decided.rule) };
    }),
    plans: { mode: plan.mode, why: describeRule(plan.rule) },
    connectors: Object.entries(policy.tools).map(([connector, [names]]) => {
      const address = Object.hasOwn(policy.connectors, connector)
        ? policy.connectors[connector]
        : undefined;
      return {
        connector,
        address: address ? addressWords(address) : null,
        version: address?.version ?? null,
        tools: names.map((tool) => {
          const decided = engine.tool(connector, tool);
          return {
            tool,
            decision: decided.decision,
            kind: decided.kind,
            why: describeRule(decided.rule),
          };
        }),
      };
    }),
    folders: (policy.folders[os] ?? []).map(([location, code, rule]) => ({
      location,
      access: folderAccessWords(code),
      why: describeRule(policy.rules[rule]),
    })),
    networkHosts: [...policy.network.hosts],
  };
}
