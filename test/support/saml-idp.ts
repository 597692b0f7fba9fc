import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { SignedXml } from 'xml-crypto';

// A stand-in identity provider for tests: its own RSA key and self-signed certificate (made with
// openssl, as an admin's IdP would hold), and SAML responses built and signed the way Okta or
// Entra sign them (RSA-SHA256, exclusive canonicalisation, enveloped signature after the Issuer).

export interface IdpKeyPair {
  privateKey: string;
  certificate: string;
}

export function generateIdpKeyPair(commonName = 'Test IdP'): IdpKeyPair {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'steward-idp-'));
  try {
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-sha256',
        '-days',
        '2',
        '-subj',
        `/CN=${commonName}`,
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: 'ignore' },
    );
    return {
      privateKey: fs.readFileSync(keyFile, 'utf8'),
      certificate: fs.readFileSync(certFile, 'utf8'),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface AssertionOptions {
  idpEntityId: string;
  // The SP entity id (audience) and ACS URL (recipient) of the organization.
  audience: string;
  recipient: string;
  email: string;
  groups?: string[];
  groupsAttribute?: string;
  inResponseTo?: string;
  // The Response's Destination (default: the recipient).
  destination?: string;
  // Validity window relative to now, in ms (defaults: from 1 minute ago to 5 minutes ahead).
  notBeforeOffsetMs?: number;
  notOnOrAfterOffsetMs?: number;
  assertionId?: string;
}

const id = () => `_${randomBytes(16).toString('hex')}`;
const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();
const escape = (text: string) =>
  text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

export function assertionXml(options: AssertionOptions): string {
  const notBefore = iso(options.notBeforeOffsetMs ?? -60_000);
  const notOnOrAfter = iso(options.notOnOrAfterOffsetMs ?? 5 * 60_000);
  const inResponseTo = options.inResponseTo ? ` InResponseTo="${options.inResponseTo}"` : '';
  const groups = (options.groups ?? [])
    .map((group) => `<saml:AttributeValue>${escape(group)}</saml:AttributeValue>`)
    .join('');
  return (
    `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${options.assertionId ?? id()}" Version="2.0" IssueInstant="${iso(0)}">` +
    `<saml:Issuer>${escape(options.idpEntityId)}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${escape(options.email)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">` +
    `<saml:SubjectConfirmationData NotOnOrAfter="${notOnOrAfter}" Recipient="${escape(options.recipient)}"${inResponseTo}/>` +
    `</saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${notBefore}" NotOnOrAfter="${notOnOrAfter}">` +
    `<saml:AudienceRestriction><saml:Audience>${escape(options.audience)}</saml:Audience></saml:AudienceRestriction>` +
    `</saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${iso(0)}" SessionIndex="${id()}"><saml:AuthnContext>` +
    `<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>` +
    `</saml:AuthnContext></saml:AuthnStatement>` +
    `<saml:AttributeStatement><saml:Attribute Name="${escape(options.groupsAttribute ?? 'groups')}">${groups}</saml:Attribute>` +
    `<saml:Attribute Name="displayName"><saml:AttributeValue>Test Person</saml:AttributeValue></saml:Attribute>` +
    `</saml:AttributeStatement></saml:Assertion>`
  );
}

export function responseXml(
  options: Pick<AssertionOptions, 'idpEntityId' | 'recipient' | 'inResponseTo' | 'destination'>,
  assertions: string[],
): string {
  const inResponseTo = options.inResponseTo ? ` InResponseTo="${options.inResponseTo}"` : '';
  return (
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${id()}" Version="2.0" IssueInstant="${iso(0)}" Destination="${escape(options.destination ?? options.recipient)}"${inResponseTo}>` +
    `<saml:Issuer>${escape(options.idpEntityId)}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
    assertions.join('') +
    `</samlp:Response>`
  );
}

// Signs the element the XPath selects (a Response or an Assertion), placing the signature right
// after its Issuer as the SAML schema wants.
export function sign(xml: string, element: 'Response' | 'Assertion', keys: IdpKeyPair): string {
  const signer = new SignedXml({
    privateKey: keys.privateKey,
    publicCert: keys.certificate,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  const target =
    element === 'Response' ? "/*[local-name(.)='Response']" : "//*[local-name(.)='Assertion']";
  signer.addReference({
    xpath: target,
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
    transforms: [
      'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
      'http://www.w3.org/2001/10/xml-exc-c14n#',
    ],
  });
  signer.computeSignature(xml, {
    location: { reference: `${target}/*[local-name(.)='Issuer']`, action: 'after' },
  });
  return signer.getSignedXml();
}

export const encode = (xml: string) => Buffer.from(xml, 'utf8').toString('base64');

// The AuthnRequest id inside an HTTP-Redirect binding URL.
export function authnRequestId(redirectUrl: string): string {
  const request = new URL(redirectUrl).searchParams.get('SAMLRequest')!;
  const xml = inflateRawSync(Buffer.from(request, 'base64')).toString('utf8');
  return /\bID="([^"]+)"/.exec(xml)![1];
}

// The base64 body of a PEM certificate, as SAML metadata carries it.
export const certificateBody = (pem: string) =>
  pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, '');

export interface IdpMetadataOptions {
  entityId: string;
  // The HTTP-Redirect sign-in URL; an HTTP-POST one is listed first, as the reader must skip it.
  ssoUrl: string;
  // Signing keys: the current one, then the next while the IdP rotates.
  signing: IdpKeyPair[];
  encryption: IdpKeyPair;
}

const keyDescriptor = (use: string, keys: IdpKeyPair) =>
  `<KeyDescriptor use="${use}"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>\n` +
  `${certificateBody(keys.certificate)
    .match(/.{1,64}/g)!
    .join('\n')}\n` +
  `</X509Certificate></X509Data></KeyInfo></KeyDescriptor>`;

// Federation metadata shaped like Entra ID's: signed as a whole by the first signing key, a
// WS-Federation role (with a key of its own) before the SAML IdP role, an encryption key beside
// the signing ones, certificates wrapped over several lines, a logout service and both bindings.
export function idpMetadataXml(options: IdpMetadataOptions): string {
  const [current] = options.signing;
  const xml =
    `<?xml version="1.0" encoding="utf-8"?>` +
    `<EntityDescriptor ID="${id()}" entityID="${escape(options.entityId)}" xmlns="urn:oasis:names:tc:SAML:2.0:metadata">` +
    `<RoleDescriptor xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:fed="http://docs.oasis-open.org/wsfed/federation/200706" xsi:type="fed:SecurityTokenServiceType" protocolSupportEnumeration="http://docs.oasis-open.org/wsfed/federation/200706">` +
    keyDescriptor('signing', options.encryption) +
    `</RoleDescriptor>` +
    `<IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` +
    options.signing.map((keys) => keyDescriptor('signing', keys)).join('') +
    keyDescriptor('encryption', options.encryption) +
    `<SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${escape(options.ssoUrl)}/logout"/>` +
    `<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${escape(options.ssoUrl)}/post"/>` +
    `<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${escape(options.ssoUrl)}"/>` +
    `</IDPSSODescriptor></EntityDescriptor>`;
  const signer = new SignedXml({
    privateKey: current.privateKey,
    publicCert: current.certificate,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  const root = "/*[local-name(.)='EntityDescriptor']";
  signer.addReference({
    xpath: root,
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
    transforms: [
      'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
      'http://www.w3.org/2001/10/xml-exc-c14n#',
    ],
  });
  signer.computeSignature(xml, { location: { reference: root, action: 'prepend' } });
  return signer.getSignedXml();
}
