import { DOMParser } from '@xmldom/xmldom';
import { readIdpMetadata } from './idp-metadata';

const MD = 'xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"';
const DS = 'xmlns:ds="http://www.w3.org/2000/09/xmldsig#"';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

const key = (body: string, use?: string) =>
  `<md:KeyDescriptor${use ? ` use="${use}"` : ''}><ds:KeyInfo ${DS}><ds:X509Data><ds:X509Certificate>${body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`;
const sso = (binding: string, location: string) =>
  `<md:SingleSignOnService Binding="${binding}" Location="${location}"/>`;
const entity = (inner: string, entityId = 'https://idp.example.test') =>
  `<md:EntityDescriptor ${MD} entityID="${entityId}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${inner}</md:IDPSSODescriptor></md:EntityDescriptor>`;

// As the API parses fetched metadata; the console's browser DOMParser hands over the same DOM.
const read = (xml: string) =>
  readIdpMetadata(new DOMParser().parseFromString(xml, 'text/xml').documentElement);

describe('reading IdP metadata', () => {
  it('takes the Redirect sign-in URL over POST and every signing certificate once', () => {
    expect(
      read(
        entity(
          key('QUFB\n  QkJC', 'signing') +
            key('Q0ND') +
            key('RERE', 'encryption') +
            key('QUFBQkJC', 'signing') +
            sso(POST, 'https://idp.example.test/post') +
            sso(REDIRECT, 'https://idp.example.test/redirect'),
        ),
      ),
    ).toEqual({
      idpEntityId: 'https://idp.example.test',
      ssoUrl: 'https://idp.example.test/redirect',
      certificates: ['QUFBQkJC', 'Q0ND'],
    });
  });

  it('falls back to POST and finds the identity provider inside an EntitiesDescriptor', () => {
    const inner = entity(key('QUFB') + sso(POST, 'https://idp.example.test/post'));
    expect(read(`<md:EntitiesDescriptor ${MD}>${inner}</md:EntitiesDescriptor>`)).toMatchObject({
      ssoUrl: 'https://idp.example.test/post',
    });
  });

  it('says what is missing', () => {
    expect(readIdpMetadata(null)).toBe('This is not well-formed XML');
    expect(read(`<md:EntityDescriptor ${MD} entityID="x"/>`)).toBe(
      'No identity provider (IDPSSODescriptor) in this metadata',
    );
    expect(read(entity(key('QUFB') + sso(REDIRECT, 'https://i/r'), ''))).toBe(
      'The metadata names no entityID',
    );
    expect(read(entity(key('QUFB')))).toBe(
      'The metadata has no HTTP-Redirect or HTTP-POST sign-in URL',
    );
    expect(read(entity(key('QUFB', 'encryption') + sso(REDIRECT, 'https://i/r')))).toBe(
      'The metadata has no signing certificate',
    );
  });
});
