import { X509Certificate } from 'node:crypto';
import { AuthError, AuthErrorCode } from '../auth.errors';

// The attribute most IdPs (Okta, OneLogin, Google, Keycloak) use for group names by default.
export const DEFAULT_GROUPS_ATTRIBUTE = 'groups';
const MAX_CERTIFICATES = 4;

export interface CertificateSummary {
  fingerprintSha256: string;
  subject: string;
  notAfter: Date;
}

// A certificate as an admin pastes it (PEM, or the bare base64 body IdP metadata carries),
// returned as PEM; anything that is not one X.509 certificate is refused.
export function normaliseCertificate(text: string): string {
  const body = text.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  if (!body || !/^[A-Za-z0-9+/]+=*$/.test(body)) {
    throw new AuthError(
      AuthErrorCode.Invalid,
      'the signing certificate must be a PEM or base64 X.509 certificate',
    );
  }
  const pem = `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
  try {
    new X509Certificate(pem);
  } catch {
    throw new AuthError(
      AuthErrorCode.Invalid,
      'the signing certificate is not a readable X.509 certificate',
    );
  }
  return pem;
}

export function summariseCertificate(pem: string): CertificateSummary {
  const certificate = new X509Certificate(pem);
  return {
    fingerprintSha256: certificate.fingerprint256,
    subject: certificate.subject.replace(/\n/g, ', '),
    notAfter: new Date(certificate.validTo),
  };
}

function isLoopback(url: URL): boolean {
  return url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
}

export function validateSettings(input: {
  idpEntityId: string;
  ssoUrl: string;
  signingCertificates: string[];
  groupsAttribute?: string | null;
}) {
  const idpEntityId = input.idpEntityId.trim();
  if (!idpEntityId || idpEntityId.length > 1024) {
    throw new AuthError(AuthErrorCode.Invalid, 'the IdP entity id is 1 to 1024 characters');
  }
  let ssoUrl: URL;
  try {
    ssoUrl = new URL(input.ssoUrl.trim());
  } catch {
    throw new AuthError(AuthErrorCode.Invalid, 'the SSO URL must be an absolute https:// URL');
  }
  // Admins' browsers carry the AuthnRequest there; only a local test IdP may use plain http.
  if (ssoUrl.protocol !== 'https:' && !(ssoUrl.protocol === 'http:' && isLoopback(ssoUrl))) {
    throw new AuthError(AuthErrorCode.Invalid, 'the SSO URL must be an absolute https:// URL');
  }
  if (!input.signingCertificates.length || input.signingCertificates.length > MAX_CERTIFICATES) {
    throw new AuthError(
      AuthErrorCode.Invalid,
      `give 1 to ${MAX_CERTIFICATES} signing certificates (two while the IdP rotates its key)`,
    );
  }
  const groupsAttribute = input.groupsAttribute?.trim() || DEFAULT_GROUPS_ATTRIBUTE;
  if (groupsAttribute.length > 512) {
    throw new AuthError(
      AuthErrorCode.Invalid,
      'the groups attribute name is at most 512 characters',
    );
  }
  return {
    idpEntityId,
    ssoUrl: ssoUrl.toString(),
    signingCertificates: input.signingCertificates.map(normaliseCertificate),
    groupsAttribute,
  };
}
