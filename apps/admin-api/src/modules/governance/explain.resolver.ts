import { UseFilters } from '@nestjs/common';
import { Args, ID, Query, Resolver } from '@nestjs/graphql';
import { describeRule, isCapability } from '@steward/policy';
import type { RuleRef, ToolKind } from '@steward/policy';
import type { AdminPrincipal } from '../auth/admin-principal';
import { CurrentAdmin, READ_ROLES, RequireAdmin } from '../auth/admin-auth.guard';
import { GovernanceError, GovernanceErrorCode, GovernanceErrorFilter } from './governance.errors';
import {
  FileAccessValue,
  OperatingSystemValue,
  PolicyExplanation,
  RoleBindingInput,
  RoleInput,
  ToolKindValue,
  UserPolicyChange,
} from './governance.graphql';
import { PolicyCompiler } from './policy-compiler.service';
import { SimulationService } from './simulation.service';

function explanation(decision: string, rule: RuleRef, kind?: ToolKind): PolicyExplanation {
  return {
    decision,
    toolKind: (kind as ToolKindValue | undefined) ?? null,
    ruleId: rule.id,
    ruleKind: rule.kind,
    explanation: describeRule(rule),
    role: rule.role ?? null,
    group: rule.group ?? null,
  };
}

// "Why": the same engine the endpoint enforces with, run over the user's compiled policy; and
// "what if": a draft role change compared user by user before it is saved.
@Resolver()
@UseFilters(GovernanceErrorFilter)
export class ExplainResolver {
  constructor(
    private readonly compiler: PolicyCompiler,
    private readonly simulation: SimulationService,
  ) {}

  @Query(() => PolicyExplanation, { description: 'May the user call this connector tool?' })
  @RequireAdmin(...READ_ROLES)
  async explainTool(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('userId', { type: () => ID }) userId: string,
    @Args('connector') connector: string,
    @Args('tool') tool: string,
  ): Promise<PolicyExplanation> {
    const engine = await this.compiler.engineForUser(admin.organizationId, userId);
    const decision = engine.tool(connector, tool);
    return explanation(decision.decision, decision.rule, decision.kind);
  }

  @Query(() => PolicyExplanation, {
    description: 'May the user read or write this path? Paths may start with ~ for the home.',
  })
  @RequireAdmin(...READ_ROLES)
  async explainPath(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('userId', { type: () => ID }) userId: string,
    @Args('path') path: string,
    @Args('access', { type: () => FileAccessValue }) access: FileAccessValue,
    @Args('os', { type: () => OperatingSystemValue }) os: OperatingSystemValue,
    @Args('home', { nullable: true, description: 'The home folder, for absolute paths in it.' })
    home?: string,
  ): Promise<PolicyExplanation> {
    const engine = await this.compiler.engineForUser(admin.organizationId, userId);
    const decision = engine.path(path, access, { os, home: home ?? '' });
    return explanation(decision.decision, decision.rule);
  }

  @Query(() => PolicyExplanation, { description: 'Does the user have this capability?' })
  @RequireAdmin(...READ_ROLES)
  async explainCapability(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('userId', { type: () => ID }) userId: string,
    @Args('capability') capability: string,
  ): Promise<PolicyExplanation> {
    if (!isCapability(capability)) {
      throw new GovernanceError(GovernanceErrorCode.Invalid, `unknown capability ${capability}`);
    }
    const engine = await this.compiler.engineForUser(admin.organizationId, userId);
    const decision = engine.capability(capability);
    return explanation(decision.allowed ? 'allow' : 'deny', decision.rule);
  }

  @Query(() => [UserPolicyChange], {
    description:
      'What would change, per user holding the role before or after, if it became `draft` (null: deleted) and, with `bindings`, were bound to exactly those groups and users.',
  })
  @RequireAdmin(...READ_ROLES)
  simulateRoleChange(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('roleId', { type: () => ID }) roleId: string,
    @Args('draft', { type: () => RoleInput, nullable: true }) draft: RoleInput | null,
    @Args('bindings', {
      type: () => [RoleBindingInput],
      nullable: true,
      description: 'The role’s bindings after the change; null keeps them as they are.',
    })
    bindings: RoleBindingInput[] | null,
  ): Promise<UserPolicyChange[]> {
    return this.simulation.simulateRoleChange(
      admin.organizationId,
      roleId,
      draft ?? null,
      bindings ?? null,
    ) as Promise<UserPolicyChange[]>;
  }
}
