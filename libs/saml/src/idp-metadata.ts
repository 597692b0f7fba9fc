// Reading an identity provider's SAML metadata (Okta, Entra and others publish it), shared by the
// console (metadata pasted in the browser, parsed by its DOMParser) and the API (metadata fetched
// from a URL, parsed by @xmldom/xmldom): both parsers hand over a standard DOM element.

export interface IdpMetadata {
  idpEntityId: string;
  ssoUrl: string;
  // The base64 bodies of the signing certificates, as the metadata carries them.
  certificates: string[];
}

// The part of the DOM the reader uses; a browser's and xmldom's elements both have it.
export interface MetadataElement {
  readonly localName: string | null;
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
  getElementsByTagNameNS(namespace: string, localName: string): ArrayLike<MetadataElement>;
}

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

function signingCertificates(idp: MetadataElement): string[] {
  const bodies = Array.from(idp.getElementsByTagNameNS(MD, 'KeyDescriptor'))
    .filter((key) => (key.getAttribute('use') || 'signing') === 'signing')
    .map((key) => key.getElementsByTagNameNS(DS, 'X509Certificate')[0]?.textContent ?? '')
    .map((body) => body.replace(/\s+/g, ''))
    .filter(Boolean);
  return [...new Set(bodies)];
}

// The entity ID, sign-in URL (HTTP-Redirect preferred, as the API sends AuthnRequests by redirect)
// and signing certificates of the metadata whose root element is `root` (an EntityDescriptor, or
// an EntitiesDescriptor holding one); null `root` means the text was not well-formed XML. A
// sentence saying what is missing otherwise. The API still checks each value as if typed.
export function readIdpMetadata(root: MetadataElement | null): IdpMetadata | string {
  if (!root) return 'This is not well-formed XML';
  const entity =
    root.localName === 'EntityDescriptor'
      ? root
      : root.getElementsByTagNameNS(MD, 'EntityDescriptor')[0];
  const idp = entity?.getElementsByTagNameNS(MD, 'IDPSSODescriptor')[0];
  if (!entity || !idp) return 'No identity provider (IDPSSODescriptor) in this metadata';
  const services = Array.from(idp.getElementsByTagNameNS(MD, 'SingleSignOnService'));
  const service =
    services.find((s) => s.getAttribute('Binding') === REDIRECT) ??
    services.find((s) => s.getAttribute('Binding') === POST);
  const certificates = signingCertificates(idp);
  const ssoUrl = service?.getAttribute('Location') ?? '';
  const idpEntityId = entity.getAttribute('entityID') ?? '';
  if (!idpEntityId) return 'The metadata names no entityID';
  if (!ssoUrl) return 'The metadata has no HTTP-Redirect or HTTP-POST sign-in URL';
  if (!certificates.length) return 'The metadata has no signing certificate';
  return { idpEntityId, ssoUrl, certificates };
}
