export interface IdpMetadata {
  idpEntityId: string;
  ssoUrl: string;
  certificates: string[];
}

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

// The identity provider's entity ID, sign-in URL and signing certificates from its SAML metadata
// XML (Okta, Entra and others publish it); a sentence saying what is missing otherwise. The API
// still checks each value as if typed.
export function readIdpMetadata(xml: string): IdpMetadata | string {
  const document = new DOMParser().parseFromString(xml.trim(), 'application/xml');
  if (document.getElementsByTagName('parsererror').length) return 'This is not well-formed XML';
  const entity =
    document.documentElement.localName === 'EntityDescriptor'
      ? document.documentElement
      : document.getElementsByTagNameNS(MD, 'EntityDescriptor')[0];
  const idp = entity?.getElementsByTagNameNS(MD, 'IDPSSODescriptor')[0];
  if (!entity || !idp) return 'No identity provider (IDPSSODescriptor) in this metadata';
  const services = [...idp.getElementsByTagNameNS(MD, 'SingleSignOnService')];
  const service =
    services.find((s) => s.getAttribute('Binding') === REDIRECT) ??
    services.find((s) => s.getAttribute('Binding') === POST);
  const certificates = [...idp.getElementsByTagNameNS(MD, 'KeyDescriptor')]
    .filter((key) => (key.getAttribute('use') ?? 'signing') === 'signing')
    .map((key) => key.getElementsByTagNameNS(DS, 'X509Certificate')[0]?.textContent ?? '')
    .map((body) => body.replace(/\s+/g, ''))
    .filter(Boolean);
  const ssoUrl = service?.getAttribute('Location') ?? '';
  const idpEntityId = entity.getAttribute('entityID') ?? '';
  if (!idpEntityId) return 'The metadata names no entityID';
  if (!ssoUrl) return 'The metadata has no HTTP-Redirect or HTTP-POST sign-in URL';
  if (!certificates.length) return 'The metadata has no signing certificate';
  return { idpEntityId, ssoUrl, certificates: [...new Set(certificates)] };
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
