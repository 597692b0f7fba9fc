import { Field, ID, InputType, ObjectType, registerEnumType } from '@nestjs/graphql';
import { GraphQLISODateTime } from '@nestjs/graphql';

export enum PolicyDecisionValue {
  allow = 'allow',
  ask = 'ask',
  deny = 'deny',
}
export enum ToolKindValue {
  read = 'read',
  write = 'write',
}
export enum FolderAccessValue {
  read = 'read',
  read_write = 'read_write',
}
export enum OperatingSystemValue {
  macos = 'macos',
  windows = 'windows',
  linux = 'linux',
}
export enum GovernanceSubjectValue {
  group = 'group',
  user = 'user',
}
export enum ConnectorTransportValue {
  stdio = 'stdio',
  streamable_http = 'streamable_http',
}
export enum CeilingScopeValue {
  subtree = 'subtree',
  root = 'root',
}
export enum SpendPeriodValue {
  day = 'day',
  week = 'week',
  month = 'month',
}
export enum SpendEnforcementValue {
  hard = 'hard',
  soft = 'soft',
}
export enum FileAccessValue {
  read = 'read',
  write = 'write',
}

registerEnumType(PolicyDecisionValue, { name: 'PolicyDecision' });
registerEnumType(ToolKindValue, { name: 'ToolKind' });
registerEnumType(FolderAccessValue, { name: 'FolderAccess' });
registerEnumType(OperatingSystemValue, { name: 'OperatingSystem' });
registerEnumType(GovernanceSubjectValue, { name: 'GovernanceSubject' });
registerEnumType(ConnectorTransportValue, { name: 'ConnectorTransport' });
registerEnumType(CeilingScopeValue, { name: 'CeilingScope' });
registerEnumType(SpendPeriodValue, { name: 'SpendPeriod' });
registerEnumType(SpendEnforcementValue, { name: 'SpendEnforcement' });
registerEnumType(FileAccessValue, { name: 'FileAccess' });

// ---- roles ---------------------------------------------------------------------------------

@ObjectType()
export class ToolRuleOverride {
  @Field() tool!: string;
  @Field(() => PolicyDecisionValue) decision!: PolicyDecisionValue;
}

@ObjectType()
export class RoleConnectorRuleView {
  @Field(() => ID) connectorId!: string;
  @Field() connectorName!: string;
  @Field(() => PolicyDecisionValue) read!: PolicyDecisionValue;
  @Field(() => PolicyDecisionValue) write!: PolicyDecisionValue;
  @Field(() => [ToolRuleOverride]) toolOverrides!: ToolRuleOverride[];
}

@ObjectType()
export class RoleFolderRootView {
  @Field() pattern!: string;
  @Field(() => FolderAccessValue) access!: FolderAccessValue;
  @Field(() => [OperatingSystemValue], { description: 'Empty: the systems the pattern implies.' })
  os!: OperatingSystemValue[];
}

@ObjectType()
export class RoleBindingView {
  @Field(() => ID) id!: string;
  @Field(() => ID) roleId!: string;
  @Field(() => GovernanceSubjectValue) subjectType!: GovernanceSubjectValue;
  @Field(() => ID) subjectId!: string;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
}

@ObjectType({ description: 'A named set of capabilities, connector rules and folder roots.' })
export class Role {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field() description!: string;
  @Field(() => [String]) capabilities!: string[];
  @Field(() => [RoleConnectorRuleView]) connectorRules!: RoleConnectorRuleView[];
  @Field(() => [RoleFolderRootView]) folderRoots!: RoleFolderRootView[];
  @Field(() => [RoleBindingView]) bindings!: RoleBindingView[];
}

@InputType()
export class ToolRuleOverrideInput {
  @Field() tool!: string;
  @Field(() => PolicyDecisionValue) decision!: PolicyDecisionValue;
}

@InputType()
export class RoleConnectorRuleInput {
  @Field(() => ID) connectorId!: string;
  @Field(() => PolicyDecisionValue) read!: PolicyDecisionValue;
  @Field(() => PolicyDecisionValue) write!: PolicyDecisionValue;
  @Field(() => [ToolRuleOverrideInput], { defaultValue: [] })
  toolOverrides!: ToolRuleOverrideInput[];
}

@InputType()
export class RoleFolderRootInput {
  @Field({ description: '~/Work, /srv/projects or D:\\Projects' }) pattern!: string;
  @Field(() => FolderAccessValue) access!: FolderAccessValue;
  @Field(() => [OperatingSystemValue], { defaultValue: [] }) os!: OperatingSystemValue[];
}

@InputType({ description: 'A whole role: what is left out is removed.' })
export class RoleInput {
  @Field() name!: string;
  @Field({ defaultValue: '' }) description!: string;
  @Field(() => [String], { defaultValue: [] }) capabilities!: string[];
  @Field(() => [RoleConnectorRuleInput], { defaultValue: [] })
  connectorRules!: RoleConnectorRuleInput[];
  @Field(() => [RoleFolderRootInput], { defaultValue: [] }) folderRoots!: RoleFolderRootInput[];
}

@InputType({ description: 'A group or user a role is bound to.' })
export class RoleBindingInput {
  @Field(() => GovernanceSubjectValue) subjectType!: GovernanceSubjectValue;
  @Field(() => ID) subjectId!: string;
}

// ---- connectors ----------------------------------------------------------------------------

@ObjectType()
export class ConnectorToolView {
  @Field() name!: string;
  @Field() description!: string;
  @Field(() => ToolKindValue, { description: 'Effective: the override, else from annotations.' })
  kind!: ToolKindValue;
  @Field(() => ToolKindValue, { nullable: true }) kindOverride!: ToolKindValue | null;
  @Field(() => Boolean, { nullable: true }) readOnlyHint!: boolean | null;
  @Field(() => Boolean, { nullable: true }) destructiveHint!: boolean | null;
  @Field() destructive!: boolean;
  @Field({ description: 'approved, changed (annotations differ from the approval) or new.' })
  status!: string;
}

@ObjectType({ description: 'An MCP server on the allow-list, with its tool catalogue.' })
export class Connector {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field(() => ConnectorTransportValue) transport!: ConnectorTransportValue;
  @Field(() => String, { nullable: true }) command!: string | null;
  @Field(() => [String]) args!: string[];
  @Field(() => String, { nullable: true }) url!: string | null;
  @Field() version!: string;
  @Field({ description: 'SHA-256 of the current catalogue; pass it to approveConnectorCatalogue.' })
  catalogueHash!: string;
  @Field(() => String, { nullable: true }) approvedHash!: string | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) approvedAt!: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) importedAt!: Date | null;
  @Field({ description: 'Tools were added or changed since the last approval.' }) drift!: boolean;
  @Field({
    description:
      'importConnectorTools may connect to the server: HTTP always (a URL at a loopback, link-local or private address only where the operator allows it, STEWARD_ALLOW_PRIVATE_CONNECTOR_IMPORT); stdio only where the operator lets the API run connector commands (STEWARD_ALLOW_STDIO_IMPORT), else upload the catalogue.',
  })
  serverImport!: boolean;
  @Field(() => [ConnectorToolView]) tools!: ConnectorToolView[];
}

@ObjectType()
export class CatalogueImport {
  @Field(() => Connector) connector!: Connector;
  @Field(() => [String]) added!: string[];
  @Field(() => [String]) changed!: string[];
  @Field(() => [String]) removed!: string[];
}

@InputType()
export class ConnectorInput {
  @Field() name!: string;
  @Field(() => ConnectorTransportValue) transport!: ConnectorTransportValue;
  @Field(() => String, { nullable: true }) command!: string | null;
  @Field(() => [String], { defaultValue: [] }) args!: string[];
  @Field(() => String, { nullable: true }) url!: string | null;
  @Field({ description: 'The pinned server version.' }) version!: string;
}

// ---- settings ------------------------------------------------------------------------------

@ObjectType()
export class CeilingEntry {
  @Field(() => ID) id!: string;
  @Field() pattern!: string;
  @Field(() => CeilingScopeValue) scope!: CeilingScopeValue;
  @Field(() => [OperatingSystemValue]) os!: OperatingSystemValue[];
  @Field() description!: string;
  @Field({ description: 'One of the defaults (can be switched off, not removed).' })
  builtIn!: boolean;
  @Field() enabled!: boolean;
}

@ObjectType({
  description:
    'How the organization’s endpoints pay for model calls, signed into every policy bundle; a change republishes every endpoint’s bundle.',
})
export class EndpointSpendSettings {
  @Field({
    description:
      'Whether the endpoint asks the control plane for a spend lease before every model call, so spend limits apply. Off: model calls are not metered and no spend limit stops them.',
  })
  leaseRequired!: boolean;
  @Field({
    description:
      'USD the endpoint reserves before each model call (a decimal string such as "0.5"); what the call does not cost goes back when it settles. Above 0, at most 100. Larger leases hold more of a budget while calls run.',
  })
  maxLeaseUsd!: string;
  @Field({
    description:
      'USD the endpoint may spend while the control plane is unreachable, counted per bundle version; each offline call counts a whole lease. 0 (no model calls offline) or from one lease up to 1000.',
  })
  offlineAllowanceUsd!: string;
}

@InputType({ description: 'The whole set of endpoint spend settings; see EndpointSpendSettings.' })
export class EndpointSpendSettingsInput {
  @Field() leaseRequired!: boolean;
  @Field({ description: 'USD as a decimal string, at most 6 decimals.' }) maxLeaseUsd!: string;
  @Field({ description: 'USD as a decimal string, at most 6 decimals.' })
  offlineAllowanceUsd!: string;
}

@ObjectType()
export class GovernanceSettings {
  @Field() autoApprovePlansAllowed!: boolean;
  @Field(() => [String], {
    description:
      'Hosts (example.com, *.example.com) that shell commands of people with the web capability may reach; none without it.',
  })
  webAllowedHosts!: string[];
  @Field(() => [CeilingEntry], { description: 'Forbidden locations no role can grant.' })
  ceiling!: CeilingEntry[];
}

@InputType()
export class CeilingEntryInput {
  @Field() pattern!: string;
  @Field(() => CeilingScopeValue, { defaultValue: CeilingScopeValue.subtree })
  scope!: CeilingScopeValue;
  @Field(() => [OperatingSystemValue], { defaultValue: [] }) os!: OperatingSystemValue[];
  @Field({ defaultValue: '' }) description!: string;
}

// ---- explain and simulate ------------------------------------------------------------------

@ObjectType()
export class NamedRef {
  @Field(() => ID) id!: string;
  @Field() name!: string;
}

@ObjectType({ description: 'A decision and what produced it.' })
export class PolicyExplanation {
  @Field({ description: 'allow, ask or deny.' }) decision!: string;
  @Field(() => ToolKindValue, { nullable: true }) toolKind!: ToolKindValue | null;
  @Field({ description: 'Stable id of the deciding rule.' }) ruleId!: string;
  @Field() ruleKind!: string;
  @Field({ description: 'One sentence.' }) explanation!: string;
  @Field(() => NamedRef, { nullable: true }) role!: NamedRef | null;
  @Field(() => NamedRef, { nullable: true, description: 'Null when the role is bound directly.' })
  group!: NamedRef | null;
}

@ObjectType()
export class ToolDecisionChange {
  @Field() connector!: string;
  @Field() tool!: string;
  @Field(() => PolicyDecisionValue) before!: PolicyDecisionValue;
  @Field(() => PolicyDecisionValue) after!: PolicyDecisionValue;
}

@ObjectType()
export class FolderChange {
  @Field(() => OperatingSystemValue) os!: OperatingSystemValue;
  @Field({ description: 'Canonical location (case-folded on macOS and Windows).' })
  location!: string;
  @Field({ description: 'none, read, read-write or forbidden.' }) before!: string;
  @Field() after!: string;
}

@ObjectType({ description: 'What a draft role change would change for one user.' })
export class UserPolicyChange {
  @Field(() => ID) userId!: string;
  @Field() userName!: string;
  @Field(() => [String]) capabilitiesGained!: string[];
  @Field(() => [String]) capabilitiesLost!: string[];
  @Field(() => [ToolDecisionChange]) tools!: ToolDecisionChange[];
  @Field(() => [FolderChange]) folders!: FolderChange[];
}
