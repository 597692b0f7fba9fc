import type { FastifyReply } from 'fastify';
import { sendProblem } from '../../platform/http/problem';
import { Refusal, refusalFilter } from '../../platform/http/refusal';

// Every refusal of telemetry, thrown once and rendered for its three transports: the console's
// GraphQL (TelemetryErrorFilter), the endpoint protocol's problem+json (sendTelemetryProblem, from
// the event upload route) and OTLP/HTTP (otlpStatusOf, from the receiver's routes, which answer in
// the request's own encoding).
export enum TelemetryErrorCode {
  // A collector setting, an event upload or an OTLP export the API does not accept.
  Invalid = 'invalid',
  // An OTLP export in a content type other than OTLP's JSON or protobuf.
  UnsupportedMediaType = 'unsupported_media_type',
}

export class TelemetryError extends Refusal<TelemetryErrorCode> {}

// One row per code, per transport: a new code does not compile until it has all three.
const GRAPHQL_CODE: Record<TelemetryErrorCode, string> = {
  [TelemetryErrorCode.Invalid]: 'BAD_USER_INPUT',
  [TelemetryErrorCode.UnsupportedMediaType]: 'BAD_USER_INPUT',
};

// docs/telemetry.md, "Ingest".
const ENDPOINT_PROBLEM: Record<TelemetryErrorCode, { status: number; code: string }> = {
  [TelemetryErrorCode.Invalid]: { status: 400, code: 'invalid_request' },
  [TelemetryErrorCode.UnsupportedMediaType]: { status: 415, code: 'unsupported_media_type' },
};

// The OTLP/HTTP specification's statuses; the body is a google.rpc.Status (otlp-wire.ts).
const OTLP_STATUS: Record<TelemetryErrorCode, number> = {
  [TelemetryErrorCode.Invalid]: 400,
  [TelemetryErrorCode.UnsupportedMediaType]: 415,
};

export function sendTelemetryProblem(reply: FastifyReply, error: TelemetryError): FastifyReply {
  const { status, code } = ENDPOINT_PROBLEM[error.code];
  return sendProblem(reply, status, { detail: error.message, code });
}

export function otlpStatusOf(error: TelemetryError): number {
  return OTLP_STATUS[error.code];
}

export const TelemetryErrorFilter = refusalFilter(TelemetryError, { graphql: GRAPHQL_CODE });
