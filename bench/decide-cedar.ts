// The Cedar peer of the decide bench: the same roles written as Cedar policies, decided by
// @cedar-policy/cedar-wasm the way its users run it. The policy set is parsed once
// (preparsePolicySet, then statefulIsAuthorized by id); cedar-wasm 4.x has no way to keep entities
// between calls, so each call passes the smallest slice a caller can pass (the user, their roles,
// and the connector and tool asked about) and Cedar converts it from JS values, builds the entity
// store and its hierarchy again. `fixedCostPeer` measures that per-call part alone.
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { canonicalPath, ceilingEntries, patternSystems } from '@steward/policy';
import type { Context, EntityJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { Decision, RoleSource, ToolKind } from '@steward/policy';

type Entity = EntityJson;

// Role rules as Cedar policies. Cedar has no "ask": ask policies get an id starting `ask-`, and an
// allowed request whose determining policies include one is ask. Forbid beats permit, as deny
// beats ask and allow; a tool override of a role is carved out of that role's connector rule and
// stated as its own policy.
export function toolPolicies(roles: RoleSource[]): Record<string, string> {
  const policies: Record<string, string> = {};
  for (const role of roles) {
    for (const rule of role.connectorRules) {
      const overridden = Object.keys(rule.tools ?? {});
      const carve = overridden.length
        ? ` && !([${overridden.map((t) => `Tool::"${rule.connector}/${t}"`).join(', ')}].contains(resource))`
        : '';
      for (const side of ['read', 'write'] as const) {
        const decision = rule[side];
        policies[`${decision}-${role.id}-${rule.connector}-${side}`] =
          `${effect(decision)}(principal in Role::"${role.id}", action == Action::"call", resource in Connector::"${rule.connector}") when { resource.kind == "${side}"${carve} };`;
      }
      for (const [tool, decision] of Object.entries(rule.tools ?? {})) {
        policies[`${decision}-${role.id}-${rule.connector}-tool-${tool}`] =
          `${effect(decision)}(principal in Role::"${role.id}", action == Action::"call", resource == Tool::"${rule.connector}/${tool}");`;
      }
    }
  }
  return policies;
}

function effect(decision: Decision): 'permit' | 'forbid' {
  return decision === 'deny' ? 'forbid' : 'permit';
}

// Folder rules on macOS as Cedar policies over `context.path`, the canonical path (the caller
// canonicalises it, as Steward's engine does itself: Cedar has no path type). A root covers itself
// and what lies below it (`like "root/*"`); the ceiling forbids; a `root` ceiling entry forbids
// only the folder itself.
export function pathPolicies(roles: RoleSource[]): Record<string, string> {
  const covers = (prefix: string) =>
    `context.path == "${prefix}" || context.path like "${prefix.replaceAll('*', '\\*')}/*"`;
  const policies: Record<string, string> = {};
  for (const entry of ceilingEntries(undefined)) {
    if (!(entry.os ?? patternSystems(entry.pattern)).includes('macos')) continue;
    const prefix = canonicalPath(entry.pattern, 'macos')!;
    const when = entry.scope === 'root' ? `context.path == "${prefix}"` : covers(prefix);
    policies[`ceiling-${entry.id}`] = `forbid(principal, action, resource) when { ${when} };`;
  }
  for (const role of roles) {
    role.folderRoots.forEach((root, i) => {
      const prefix = canonicalPath(root.pattern, 'macos')!;
      const actions =
        root.access === 'read_write'
          ? 'action in [Action::"read", Action::"write"]'
          : 'action == Action::"read"';
      policies[`root-${role.id}-${i}`] =
        `permit(principal in Role::"${role.id}", ${actions}, resource) when { ${covers(prefix)} };`;
    });
  }
  return policies;
}

export function preparse(id: string, policies: Record<string, string>): void {
  const parsed = cedar.preparsePolicySet(id, { staticPolicies: policies });
  if (parsed.type !== 'success') throw new Error(`cedar: ${JSON.stringify(parsed.errors)}`);
}

// Decides with one pre-parsed policy set for one user holding `roleIds`.
export class CedarPeer {
  private readonly principal: Entity[];

  constructor(
    private readonly policySetId: string,
    roleIds: string[],
  ) {
    const roles = roleIds.map((id) => ({ type: 'Role', id }));
    this.principal = [
      { uid: { type: 'User', id: 'user-1' }, attrs: {}, parents: roles },
      ...roles.map((uid): Entity => ({ uid, attrs: {}, parents: [] })),
    ];
  }

  tool(connector: string, tool: string, kind: ToolKind): Decision {
    const resource = { type: 'Tool', id: `${connector}/${tool}` };
    return this.decide('call', resource, {}, [
      ...this.principal,
      { uid: { type: 'Connector', id: connector }, attrs: {}, parents: [] },
      { uid: resource, attrs: { kind }, parents: [{ type: 'Connector', id: connector }] },
    ]);
  }

  path(canonical: string, access: 'read' | 'write'): 'allow' | 'deny' {
    const decision = this.decide(
      access,
      { type: 'Folder', id: 'any' },
      { path: canonical },
      this.principal,
    );
    return decision === 'deny' ? 'deny' : 'allow';
  }

  private decide(
    action: string,
    resource: { type: string; id: string },
    context: Context,
    entities: Entity[],
  ): Decision {
    const answer = cedar.statefulIsAuthorized({
      principal: { type: 'User', id: 'user-1' },
      action: { type: 'Action', id: action },
      resource,
      context,
      preparsedPolicySetId: this.policySetId,
      entities,
    });
    if (answer.type !== 'success') throw new Error(`cedar: ${JSON.stringify(answer.errors)}`);
    if (answer.response.decision === 'deny') return 'deny';
    return answer.response.diagnostics.reason.some((id) => id.startsWith('ask-')) ? 'ask' : 'allow';
  }
}

// The part of a Cedar tool decision that is not policy evaluation: the same call, with the same
// entity slice, against an empty pre-parsed policy set (JS values converted, entity store and
// hierarchy built, request checked, answer converted back).
export function fixedCostPeer(roleIds: string[]): CedarPeer {
  preparse('empty', {});
  return new CedarPeer('empty', roleIds);
}

export const cedarVersion = cedar.getCedarVersion();
