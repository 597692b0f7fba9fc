import {
  readIdpMetadata as readMetadataElement,
  type IdpMetadata,
} from '../../../../../libs/saml/src/idp-metadata';

export type { IdpMetadata };

// Pasted metadata XML, parsed by the browser and read as the API reads metadata it fetches.
export function readIdpMetadata(xml: string): IdpMetadata | string {
  const document = new DOMParser().parseFromString(xml.trim(), 'application/xml');
  const wellFormed = !document.getElementsByTagName('parsererror').length;
  return readMetadataElement(wellFormed ? document.documentElement : null);
}

const DAY = 86_400_000;

// Certificates that expire within `days` (or have expired), soonest first.
export function expiringCertificates<T extends { notAfter: string }>(
  certificates: readonly T[],
  now = Date.now(),
  days = 30,
): T[] {
  return certificates
    .filter((certificate) => new Date(certificate.notAfter).getTime() - now < days * DAY)
    .sort((a, b) => a.notAfter.localeCompare(b.notAfter));
}
