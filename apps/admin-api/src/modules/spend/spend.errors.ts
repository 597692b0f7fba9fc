import type { FastifyReply } from 'fastify';
import { sendProblem } from '../../platform/http/problem';
import { Refusal, refusalFilter } from '../../platform/http/refusal';

// Every refusal of the spend module, thrown once and rendered for its two transports: the
// console's GraphQL (SpendErrorFilter) and the endpoint protocol's problem+json (sendSpendProblem,
// from its Fastify routes).
export enum SpendErrorCode {
  // A hard budget has less left than the lease asked.
  LimitExhausted = 'limit_exhausted',
  // A lease above the organization's lease per model call.
  LeaseAboveMaximum = 'lease_above_maximum',
  LeaseNotFound = 'lease_not_found',
  // A settlement in tokens for a model the price table does not list.
  ModelPriceUnknown = 'model_price_unknown',
  Invalid = 'invalid',
  NotFound = 'not_found',
  // A second spend limit of the same subject and period.
  Conflict = 'conflict',
}

export class SpendError extends Refusal<SpendErrorCode> {
  constructor(
    code: SpendErrorCode,
    message: string,
    // For limit_exhausted: the budget that refused (the protocol's `limit`); for
    // lease_above_maximum: the organization's settings (`settings`).
    readonly details?: Record<string, unknown>,
    // For limit_exhausted: the settlement the lease request carried, made before the refusal.
    readonly settle?: unknown,
  ) {
    super(code, message);
  }
}

// One row per code, per transport: a new code does not compile until it has both.
const GRAPHQL_CODE: Record<SpendErrorCode, string> = {
  [SpendErrorCode.LimitExhausted]: 'FORBIDDEN',
  [SpendErrorCode.LeaseAboveMaximum]: 'BAD_USER_INPUT',
  [SpendErrorCode.LeaseNotFound]: 'NOT_FOUND',
  [SpendErrorCode.ModelPriceUnknown]: 'BAD_USER_INPUT',
  [SpendErrorCode.Invalid]: 'BAD_USER_INPUT',
  [SpendErrorCode.NotFound]: 'NOT_FOUND',
  [SpendErrorCode.Conflict]: 'CONFLICT',
};

// The endpoint protocol's status and code (docs/endpoint-protocol.md, "Spend leases").
const ENDPOINT_PROBLEM: Record<SpendErrorCode, { status: number; code: string }> = {
  [SpendErrorCode.LimitExhausted]: { status: 402, code: 'spend_limit_exhausted' },
  [SpendErrorCode.LeaseAboveMaximum]: { status: 422, code: 'lease_above_maximum' },
  [SpendErrorCode.LeaseNotFound]: { status: 404, code: 'lease_not_found' },
  [SpendErrorCode.ModelPriceUnknown]: { status: 422, code: 'model_price_unknown' },
  [SpendErrorCode.Invalid]: { status: 400, code: 'invalid_request' },
  [SpendErrorCode.NotFound]: { status: 404, code: 'lease_not_found' },
  [SpendErrorCode.Conflict]: { status: 409, code: 'conflict' },
};

// A spend error as the endpoint protocol answers it, with the refusing budget (`limit`) or the
// settings (`settings`) and the settlement the request made.
export function sendSpendProblem(reply: FastifyReply, error: SpendError): FastifyReply {
  const { status, code } = ENDPOINT_PROBLEM[error.code];
  return sendProblem(reply, status, {
    detail: error.message,
    code,
    ...(error.details
      ? { [error.code === SpendErrorCode.LimitExhausted ? 'limit' : 'settings']: error.details }
      : {}),
    ...(error.settle ? { settle: error.settle } : {}),
  });
}

export const SpendErrorFilter = refusalFilter(SpendError, { graphql: GRAPHQL_CODE });
