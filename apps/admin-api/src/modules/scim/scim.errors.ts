import { DirectoryError } from '../directory/directory.types';
import { ERROR_SCHEMA } from './scim.schemas';

// RFC 7644 section 3.12 scimType values this service returns.
export type ScimType =
  | 'invalidFilter'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'mutability'
  | 'uniqueness'
  | 'tooMany'
  | 'invalidVers';

export class ScimError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly scimType?: ScimType,
  ) {
    super(message);
  }

  static badRequest(scimType: ScimType, message: string): ScimError {
    return new ScimError(400, message, scimType);
  }
}

export interface ScimErrorBody {
  schemas: [typeof ERROR_SCHEMA];
  status: string;
  scimType?: ScimType;
  detail: string;
}

export function scimErrorBody(status: number, detail: string, scimType?: ScimType): ScimErrorBody {
  return {
    schemas: [ERROR_SCHEMA],
    status: String(status),
    ...(scimType ? { scimType } : {}),
    detail,
  };
}

function assertUnreachable(value: never): never {
  throw new Error(`unhandled directory error ${String(value)}`);
}

// The one mapping from directory errors to SCIM errors.
export function fromDirectoryError(error: DirectoryError): ScimError {
  switch (error.code) {
    case 'not_found':
      return new ScimError(404, error.message);
    case 'version_mismatch':
      return new ScimError(412, `${error.message}: If-Match does not match the current version`);
    case 'user_name_taken':
      return new ScimError(409, error.message, 'uniqueness');
    case 'unknown_members':
      return ScimError.badRequest(
        'invalidValue',
        `members must be users of this organization: ${error.message}`,
      );
    default:
      return assertUnreachable(error.code);
  }
}
