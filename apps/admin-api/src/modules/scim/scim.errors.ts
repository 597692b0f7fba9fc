import { HttpException } from '@nestjs/common';
import { answerUnexpected } from '../../platform/http/unexpected-error';
import { DirectoryError, DirectoryErrorCode } from '../directory/directory.types';
import { ERROR_SCHEMA } from './scim.schemas';

// Every fault a SCIM request can meet. Each has one HTTP status and one scimType (RFC 7644
// section 3.12) in SCIM_ERRORS, so the same fault answers the same way whichever operation (POST,
// PUT, PATCH, a filter) meets it.
export enum ScimErrorCode {
  // The body is not JSON, not the message's structure, or names an attribute the schema lacks.
  InvalidSyntax = 'invalid_syntax',
  InvalidFilter = 'invalid_filter',
  // A PATCH path that does not parse or names no attribute.
  InvalidPath = 'invalid_path',
  NoTarget = 'no_target',
  // A value of the wrong type, format or length, or one the directory cannot store.
  InvalidValue = 'invalid_value',
  Mutability = 'mutability',
  TooMany = 'too_many',
  Unauthorized = 'unauthorized',
  NotFound = 'not_found',
  MethodNotAllowed = 'method_not_allowed',
  Uniqueness = 'uniqueness',
  VersionMismatch = 'version_mismatch',
  PayloadTooLarge = 'payload_too_large',
  UnsupportedMediaType = 'unsupported_media_type',
  Internal = 'internal',
  // The write did not finish within its deadline and changed nothing: retry.
  Unavailable = 'unavailable',
}

// RFC 7644 section 3.12 scimType values.
export type ScimType =
  | 'invalidFilter'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'mutability'
  | 'uniqueness'
  | 'tooMany';

export const SCIM_ERRORS: Record<ScimErrorCode, { status: number; scimType?: ScimType }> = {
  [ScimErrorCode.InvalidSyntax]: { status: 400, scimType: 'invalidSyntax' },
  [ScimErrorCode.InvalidFilter]: { status: 400, scimType: 'invalidFilter' },
  [ScimErrorCode.InvalidPath]: { status: 400, scimType: 'invalidPath' },
  [ScimErrorCode.NoTarget]: { status: 400, scimType: 'noTarget' },
  [ScimErrorCode.InvalidValue]: { status: 400, scimType: 'invalidValue' },
  [ScimErrorCode.Mutability]: { status: 400, scimType: 'mutability' },
  [ScimErrorCode.TooMany]: { status: 400, scimType: 'tooMany' },
  [ScimErrorCode.Unauthorized]: { status: 401 },
  [ScimErrorCode.NotFound]: { status: 404 },
  [ScimErrorCode.MethodNotAllowed]: { status: 405 },
  [ScimErrorCode.Uniqueness]: { status: 409, scimType: 'uniqueness' },
  [ScimErrorCode.VersionMismatch]: { status: 412 },
  [ScimErrorCode.PayloadTooLarge]: { status: 413 },
  [ScimErrorCode.UnsupportedMediaType]: { status: 415 },
  [ScimErrorCode.Internal]: { status: 500 },
  [ScimErrorCode.Unavailable]: { status: 503 },
};

export class ScimError extends Error {
  constructor(
    readonly code: ScimErrorCode,
    message: string,
  ) {
    super(message);
  }

  get status(): number {
    return SCIM_ERRORS[this.code].status;
  }
}

export interface ScimErrorBody {
  schemas: [typeof ERROR_SCHEMA];
  status: string;
  scimType?: ScimType;
  detail: string;
}

// One row per directory code: a new code does not compile until SCIM renders it.
const FROM_DIRECTORY: Record<DirectoryErrorCode, ScimErrorCode> = {
  [DirectoryErrorCode.NotFound]: ScimErrorCode.NotFound,
  [DirectoryErrorCode.VersionMismatch]: ScimErrorCode.VersionMismatch,
  [DirectoryErrorCode.UserNameTaken]: ScimErrorCode.Uniqueness,
  [DirectoryErrorCode.UnknownMembers]: ScimErrorCode.InvalidValue,
  [DirectoryErrorCode.InvalidFilter]: ScimErrorCode.InvalidFilter,
  [DirectoryErrorCode.InvalidValue]: ScimErrorCode.InvalidValue,
  [DirectoryErrorCode.ManagedByIdentityProvider]: ScimErrorCode.Mutability,
  [DirectoryErrorCode.Busy]: ScimErrorCode.Unavailable,
};

const DIRECTORY_DETAIL: Partial<Record<DirectoryErrorCode, (message: string) => string>> = {
  [DirectoryErrorCode.VersionMismatch]: (message) =>
    `${message}: If-Match does not match the current version`,
  [DirectoryErrorCode.UnknownMembers]: (message) =>
    `members must be users of this organization: ${message}`,
};

// Errors raised before or around a SCIM route (Fastify's and Nest's), by their HTTP status.
const BY_STATUS = new Map<number, ScimErrorCode>(
  [
    ScimErrorCode.InvalidSyntax,
    ScimErrorCode.Unauthorized,
    ScimErrorCode.NotFound,
    ScimErrorCode.MethodNotAllowed,
    ScimErrorCode.PayloadTooLarge,
    ScimErrorCode.UnsupportedMediaType,
    ScimErrorCode.Unavailable,
  ].map((code) => [SCIM_ERRORS[code].status, code]),
);

export function scimErrorBody(status: number, detail: string, scimType?: ScimType): ScimErrorBody {
  return {
    schemas: [ERROR_SCHEMA],
    status: String(status),
    ...(scimType ? { scimType } : {}),
    detail,
  };
}

// An error answered with an HTTP status but no SCIM code of its own (a framework error).
export function scimErrorForStatus(status: number, detail: string): ScimErrorBody {
  const code = BY_STATUS.get(status);
  return scimErrorBody(status, detail, code ? SCIM_ERRORS[code].scimType : undefined);
}

// How long an IdP should wait before retrying a write that ran out of time (a lock held
// elsewhere; longer than an unreachable database's retry, which a restart ends).
const BUSY_RETRY_AFTER_SECONDS = 5;

export interface ScimAnswer {
  status: number;
  body: ScimErrorBody;
  retryAfterSeconds?: number;
}

// The one mapping from anything a SCIM route throws to the status and body it answers with. An
// error no handler expected is answered by answerUnexpected: 503 with Retry-After while the
// database is unreachable, else 500, with a detail naming only the correlation id the log carries.
export function toScimError(exception: unknown): ScimAnswer {
  if (exception instanceof DirectoryError) {
    const code = FROM_DIRECTORY[exception.code];
    const detail = DIRECTORY_DETAIL[exception.code]?.(exception.message) ?? exception.message;
    return toScimError(new ScimError(code, detail));
  }
  if (exception instanceof ScimError) {
    const { status, scimType } = SCIM_ERRORS[exception.code];
    const busy = exception.code === ScimErrorCode.Unavailable;
    return {
      status,
      body: scimErrorBody(status, exception.message, scimType),
      ...(busy ? { retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS } : {}),
    };
  }
  if (exception instanceof HttpException && exception.getStatus() < 500) {
    const status = exception.getStatus();
    return { status, body: scimErrorForStatus(status, exception.message) };
  }
  const answer = answerUnexpected(exception, 'SCIM');
  return {
    status: answer.status,
    body: scimErrorBody(answer.status, answer.message),
    retryAfterSeconds: answer.retryAfterSeconds,
  };
}
