import { Refusal, refusalFilter } from '../../platform/http/refusal';

// Every refusal of the console's sign-in settings (the identity provider, its metadata read from a
// URL, and the IdP groups mapped to admin roles), thrown once and rendered by AuthErrorFilter. A
// refused SAML sign-in is not an error: it is an outcome, recorded and shown on the sign-in page
// (SamlRefusal).
export enum AuthErrorCode {
  // IdP settings, an IdP group name or a metadata URL the API does not accept.
  Invalid = 'invalid',
  // A metadata URL that reaches a private address the operator has not allowed.
  AddressRefused = 'address_refused',
  // The metadata server could not be reached or answered with an HTTP error.
  MetadataUnreachable = 'metadata_unreachable',
  // The metadata server did not answer in time.
  MetadataTimeout = 'metadata_timeout',
  // The answer was larger than any IdP's metadata.
  MetadataTooLarge = 'metadata_too_large',
  // The answer was not SAML metadata of an identity provider.
  NotMetadata = 'not_metadata',
}

export class AuthError extends Refusal<AuthErrorCode> {
  constructor(
    code: AuthErrorCode,
    message: string,
    // The input field at fault, when one is, so a form can show the message next to it.
    readonly field?: string,
  ) {
    super(code, message);
  }
}

// Auth's settings have one transport, GraphQL: one row per code, so a new code does not compile
// without its rendering.
const GRAPHQL_CODE: Record<AuthErrorCode, string> = {
  [AuthErrorCode.Invalid]: 'BAD_USER_INPUT',
  [AuthErrorCode.AddressRefused]: 'FORBIDDEN',
  [AuthErrorCode.MetadataUnreachable]: 'BAD_GATEWAY',
  [AuthErrorCode.MetadataTimeout]: 'GATEWAY_TIMEOUT',
  [AuthErrorCode.MetadataTooLarge]: 'BAD_GATEWAY',
  [AuthErrorCode.NotMetadata]: 'BAD_USER_INPUT',
};

export const AuthErrorFilter = refusalFilter(AuthError, { graphql: GRAPHQL_CODE });
