import { Refusal, refusalFilter } from '../../platform/http/refusal';

// Every refusal of governance (roles, connectors, folders and network, settings, explain and
// simulation), thrown once by services and resolvers and rendered by GovernanceErrorFilter.
export enum GovernanceErrorCode {
  NotFound = 'not_found',
  Invalid = 'invalid',
  // A role or connector name already taken, or a role bound twice to the same subject.
  Conflict = 'conflict',
  // A connector's server could not be asked for its tools.
  ImportFailed = 'import_failed',
  // An import the operator has switched off (stdio commands on the Steward server).
  Disabled = 'disabled',
  // An import URL that reaches a private address the operator has not allowed.
  AddressRefused = 'address_refused',
}

export class GovernanceError extends Refusal<GovernanceErrorCode> {
  constructor(
    code: GovernanceErrorCode,
    message: string,
    // The input field at fault, when one is, so a form can show the message next to it.
    readonly field?: string,
  ) {
    super(code, message);
  }
}

// Governance's one transport is GraphQL: one row per code, so a new code does not compile without
// its rendering.
const GRAPHQL_CODE: Record<GovernanceErrorCode, string> = {
  [GovernanceErrorCode.NotFound]: 'NOT_FOUND',
  [GovernanceErrorCode.Invalid]: 'BAD_USER_INPUT',
  [GovernanceErrorCode.Conflict]: 'CONFLICT',
  [GovernanceErrorCode.ImportFailed]: 'BAD_GATEWAY',
  [GovernanceErrorCode.Disabled]: 'FORBIDDEN',
  [GovernanceErrorCode.AddressRefused]: 'FORBIDDEN',
};

// Governance errors as GraphQL errors with a code the console acts on, the reason and the field at
// fault. Anything else passes through untouched to the GraphQL driver.
export const GovernanceErrorFilter = refusalFilter(GovernanceError, { graphql: GRAPHQL_CODE });
