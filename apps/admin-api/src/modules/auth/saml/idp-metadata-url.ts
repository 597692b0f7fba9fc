import { readIdpMetadata } from '@steward/saml';
import type { IdpMetadata, MetadataElement } from '@steward/saml';
import { DOMParser, onErrorStopParsing } from '@xmldom/xmldom';
import { GuardedHttp } from '../../../platform/http/guarded-http';
import { AuthError, AuthErrorCode } from '../auth.errors';

// An IdP's metadata is tens of KB at most (Entra's, with its WS-Federation roles, about 25 KB).
const MAX_METADATA_BYTES = 1024 * 1024;
const METADATA_TIMEOUT_MS = 10_000;
const MAX_URL_LENGTH = 2048;

export interface MetadataFetchOptions {
  // The operator's STEWARD_ALLOW_PRIVATE_CONNECTOR_IMPORT: loopback, link-local and private
  // addresses are refused unless it is on.
  allowPrivateAddresses: boolean;
  timeoutMs?: number;
  maxBytes?: number;
}

function metadataUrl(text: string): URL {
  const refusal = new AuthError(
    AuthErrorCode.Invalid,
    'the metadata URL must be an absolute https:// (or http://) URL',
    'url',
  );
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw refusal;
  }
  if (text.length > MAX_URL_LENGTH || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw refusal;
  }
  if (url.username || url.password) {
    throw new AuthError(
      AuthErrorCode.Invalid,
      'the metadata URL must not carry a user name or password',
      'url',
    );
  }
  return url;
}

// The body as text, refused as soon as it grows past `maxBytes` (a declared length past it is
// refused before reading).
async function readLimited(response: Response, url: URL, maxBytes: number): Promise<string> {
  const tooLarge = new AuthError(
    AuthErrorCode.MetadataTooLarge,
    `${url} answered with more than ${maxBytes} bytes, which is not an identity provider's metadata`,
    'url',
  );
  if (Number(response.headers.get('content-length')) > maxBytes) {
    await response.body?.cancel();
    throw tooLarge;
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body?.getReader();
  for (;;) {
    const read = await reader?.read();
    if (!read || read.done) return new TextDecoder().decode(Buffer.concat(chunks));
    size += read.value.byteLength;
    if (size > maxBytes) {
      await reader!.cancel();
      throw tooLarge;
    }
    chunks.push(read.value);
  }
}

function metadataRoot(xml: string): MetadataElement | null {
  try {
    // xmldom neither loads external entities nor expands a DTD's own ones.
    const document = new DOMParser({ onError: onErrorStopParsing }).parseFromString(
      xml,
      'text/xml',
    );
    return document.documentElement;
  } catch {
    return null;
  }
}

function failure(
  error: unknown,
  url: URL,
  http: GuardedHttp,
  timeoutMs: number,
  signal: AbortSignal,
): AuthError {
  if (error instanceof AuthError) return error;
  if (http.refusal) {
    return new AuthError(
      AuthErrorCode.AddressRefused,
      `not fetching ${url}: ${http.refusal.message}, and the Steward server connects only to public addresses unless its operator sets STEWARD_ALLOW_PRIVATE_CONNECTOR_IMPORT=true; paste the metadata XML instead`,
      'url',
    );
  }
  if (signal.aborted) {
    return new AuthError(
      AuthErrorCode.MetadataTimeout,
      `${url} did not answer within ${timeoutMs / 1000} s`,
      'url',
    );
  }
  const cause = (error as { cause?: { message?: string } }).cause?.message;
  return new AuthError(
    AuthErrorCode.MetadataUnreachable,
    `could not fetch ${url}: ${cause ?? (error as Error).message}`,
    'url',
  );
}

// Reads an identity provider's SAML metadata from its URL, the way the console reads pasted
// metadata. Every connection, redirects included, goes through the address guard; the whole
// exchange has one deadline and the body a size limit. Nothing is stored.
export async function fetchIdpMetadata(
  text: string,
  options: MetadataFetchOptions,
): Promise<IdpMetadata> {
  const url = metadataUrl(text);
  const timeoutMs = options.timeoutMs ?? METADATA_TIMEOUT_MS;
  const http = new GuardedHttp(options.allowPrivateAddresses, timeoutMs);
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await http.fetch(url, {
      signal,
      headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml, */*;q=0.5' },
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new AuthError(
        AuthErrorCode.MetadataUnreachable,
        `${url} answered HTTP ${response.status}`,
        'url',
      );
    }
    const read = readIdpMetadata(
      metadataRoot(await readLimited(response, url, options.maxBytes ?? MAX_METADATA_BYTES)),
    );
    if (typeof read === 'string') {
      throw new AuthError(
        AuthErrorCode.NotMetadata,
        `${url} did not answer with an identity provider's SAML metadata: ${read}`,
        'url',
      );
    }
    return read;
  } catch (error) {
    throw failure(error, url, http, timeoutMs, signal);
  } finally {
    await http.close();
  }
}
