import { Inject, Injectable } from '@nestjs/common';
import { generateServiceProviderMetadata, SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import type { Profile } from '@node-saml/node-saml';
import { DOMParser } from '@xmldom/xmldom';
import { randomBytes } from 'node:crypto';
import { CONFIG } from '../../../config/config';
import type { Config } from '../../../config/config';
import { Organization, SamlConnection } from '../../../generated/prisma/client';
import { SAML_REPLAY_STORE } from './saml-replay-store';
import type { SamlReplayStore } from './saml-replay-store';

// An AuthnRequest must be answered within this time (the admin signs in at the IdP meanwhile).
export const REQUEST_LIFETIME_MS = 10 * 60 * 1000;
// Tolerated difference between the IdP's clock and ours.
export const CLOCK_SKEW_MS = 60 * 1000;
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const EMAIL_ATTRIBUTES = [
  'email',
  'mail',
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
];
const NAME_ATTRIBUTES = [
  'displayName',
  'name',
  'http://schemas.microsoft.com/identity/claims/displayname',
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name',
];

export type SamlRefusalCode =
  | 'not_configured'
  | 'malformed'
  | 'unsigned'
  | 'bad_signature'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'wrong_destination'
  | 'expired'
  | 'not_yet_valid'
  | 'bad_subject_confirmation'
  | 'unknown_request'
  | 'replayed'
  | 'idp_error'
  | 'no_email';

export class SamlRefusal extends Error {
  constructor(
    readonly code: SamlRefusalCode,
    message: string,
  ) {
    super(message);
  }
}

export interface SamlIdentity {
  email: string;
  name: string | null;
  groups: string[];
  // How the login started: from Steward's sign-in page, or from the IdP's app launcher.
  initiatedBy: 'sp' | 'idp';
}

export interface ServiceProviderUrls {
  entityId: string;
  acsUrl: string;
  loginUrl: string;
  metadataUrl: string;
}

type XmlNode = { $?: Record<string, string>; [child: string]: unknown };

function children(node: XmlNode | undefined, name: string): XmlNode[] {
  const value = node?.[name];
  return Array.isArray(value) ? (value as XmlNode[]) : [];
}

function firstString(profile: Profile, names: string[]): string | null {
  for (const name of names) {
    const value = profile[name];
    const text = Array.isArray(value) ? value[0] : value;
    if (typeof text === 'string' && text.trim()) return text.trim();
  }
  return null;
}

function parseTime(text: string | undefined): number | null {
  if (!text) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

// node-saml's errors are messages, not codes; these are the ones a forged, stale or misdirected
// response produces, turned into reasons an admin can act on.
function refusalFor(error: Error, unsigned: boolean, urls: ServiceProviderUrls): SamlRefusal {
  const message = error.message;
  if (message === 'Invalid document signature') {
    return unsigned
      ? new SamlRefusal(
          'unsigned',
          'The SAML response is not signed. Steward requires the identity provider to sign the whole response.',
        )
      : new SamlRefusal(
          'bad_signature',
          'The SAML response is not signed with the certificate configured for this organization.',
        );
  }
  if (/signature|multiple assertions|assertion from signed data/i.test(message)) {
    return new SamlRefusal(
      'bad_signature',
      'The SAML response was changed after it was signed: its signature does not cover the assertion it carries.',
    );
  }
  if (/expired/i.test(message)) {
    return new SamlRefusal('expired', 'The SAML assertion has expired. Sign in again.');
  }
  if (/not yet valid/i.test(message)) {
    return new SamlRefusal(
      'not_yet_valid',
      'The SAML assertion is not valid yet. Check the clocks of the identity provider and of Steward.',
    );
  }
  if (/audience|AudienceRestriction/i.test(message)) {
    return new SamlRefusal(
      'wrong_audience',
      `The SAML assertion is meant for another service provider; this organization's entity id is ${urls.entityId}.`,
    );
  }
  if (error.name === 'SamlStatusError' || /SAML provider returned/.test(message)) {
    return new SamlRefusal('idp_error', `The identity provider refused the sign-in: ${message}.`);
  }
  return new SamlRefusal('malformed', `The SAML response could not be read: ${message}.`);
}

// The SAML 2.0 service provider of each organization. Passport strategies (passport-saml's
// MultiSamlStrategy included) expect Express's req/res, and the API runs on Fastify, so this
// drives @node-saml/node-saml's SAML class — the engine passport-saml wraps — directly, one
// instance per request with the organization's settings. InResponseTo and assertion replay are
// checked here against a store shared by all replicas (node-saml's cache does get and delete as
// two steps, and keeps nothing for IdP-initiated logins).
@Injectable()
export class SamlService {
  constructor(
    @Inject(CONFIG) private readonly config: Config,
    @Inject(SAML_REPLAY_STORE) private readonly replay: SamlReplayStore,
  ) {}

  urls(organization: Pick<Organization, 'slug'>): ServiceProviderUrls {
    const base = `${this.config.PUBLIC_URL}/auth/saml/${encodeURIComponent(organization.slug)}`;
    return {
      entityId: `${base}/metadata`,
      acsUrl: `${base}/acs`,
      loginUrl: `${base}/login`,
      metadataUrl: `${base}/metadata`,
    };
  }

  metadata(organization: Pick<Organization, 'slug'>): string {
    const urls = this.urls(organization);
    return generateServiceProviderMetadata({
      issuer: urls.entityId,
      callbackUrl: urls.acsUrl,
      identifierFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      // The whole response must be signed (checked at the ACS); a signed assertion inside it is
      // welcome but not required.
      wantAssertionsSigned: false,
    });
  }

  // The IdP URL an admin's browser is sent to, carrying a fresh AuthnRequest whose id is kept so
  // that exactly one response may answer it.
  async loginRedirectUrl(
    organization: Organization,
    connection: SamlConnection,
    relayState: string,
  ): Promise<string> {
    const requestId = `_${randomBytes(20).toString('hex')}`;
    const saml = this.engine(organization, connection, () => requestId);
    const url = await saml.getAuthorizeUrlAsync(relayState, undefined, {});
    await this.replay.rememberRequest(organization.id, requestId, REQUEST_LIFETIME_MS);
    return url;
  }

  async verifyResponse(
    organization: Organization,
    connection: SamlConnection,
    samlResponse: string,
  ): Promise<SamlIdentity> {
    const urls = this.urls(organization);
    const saml = this.engine(organization, connection);
    const envelope = responseEnvelope(samlResponse);
    let profile: Profile | null;
    try {
      ({ profile } = await saml.validatePostResponseAsync({ SAMLResponse: samlResponse }));
    } catch (error) {
      throw refusalFor(error as Error, !envelope.signed, urls);
    }
    if (!profile) throw new SamlRefusal('malformed', 'The SAML response carries no assertion.');
    if (envelope.destination && envelope.destination !== urls.acsUrl) {
      throw new SamlRefusal(
        'wrong_destination',
        `The SAML response was sent to ${envelope.destination}, not to this organization's ACS (${urls.acsUrl}).`,
      );
    }

    if (profile.issuer !== connection.idpEntityId) {
      throw new SamlRefusal(
        'wrong_issuer',
        `The SAML assertion was issued by ${profile.issuer ?? 'nobody'}, not by this organization's identity provider (${connection.idpEntityId}).`,
      );
    }
    const assertion = (profile.getAssertion?.() as { Assertion?: XmlNode } | undefined)?.Assertion;
    const assertionId = assertion?.$?.ID;
    if (!assertion || !assertionId) {
      throw new SamlRefusal('malformed', 'The SAML assertion has no ID.');
    }
    const inResponseTo = typeof profile.inResponseTo === 'string' ? profile.inResponseTo : null;
    const expiresAt = this.checkSubjectConfirmation(assertion, urls, inResponseTo);

    // Remembered until it expires, so the same assertion never signs in twice — on any replica.
    if (!(await this.replay.acceptAssertionOnce(organization.id, assertionId, expiresAt))) {
      throw new SamlRefusal(
        'replayed',
        'This SAML response was already used to sign in. Sign in again from the start.',
      );
    }
    if (inResponseTo && !(await this.replay.consumeRequest(organization.id, inResponseTo))) {
      throw new SamlRefusal(
        'unknown_request',
        'This SAML response answers a sign-in request that Steward did not make, that expired or that was already answered. Sign in again from the start.',
      );
    }

    const email = firstString(profile, EMAIL_ATTRIBUTES) ?? profile.nameID;
    if (!email || !email.includes('@')) {
      throw new SamlRefusal(
        'no_email',
        'The SAML assertion carries no email address (as NameID or an email attribute).',
      );
    }
    // From the assertion's attributes only, never from the profile's own fields (issuer, nameID).
    const attributes = (profile.attributes ?? {}) as Record<string, unknown>;
    const groupsValue = Object.hasOwn(attributes, connection.groupsAttribute)
      ? attributes[connection.groupsAttribute]
      : [];
    const groups = (Array.isArray(groupsValue) ? groupsValue : [groupsValue]).filter(
      (group): group is string => typeof group === 'string' && group.length > 0,
    );
    return {
      email: email.toLowerCase(),
      name: firstString(profile, NAME_ATTRIBUTES),
      groups,
      initiatedBy: inResponseTo ? 'sp' : 'idp',
    };
  }

  // node-saml leaves the bearer SubjectConfirmation unchecked when it does not track InResponseTo
  // itself; SAML's Web SSO profile requires one that is unexpired, addressed to this ACS and, for
  // an SP-initiated login, answering the same request as the response. Returns when the assertion
  // stops being usable.
  private checkSubjectConfirmation(
    assertion: XmlNode,
    urls: ServiceProviderUrls,
    inResponseTo: string | null,
  ): Date {
    const now = Date.now();
    const subject = children(assertion, 'Subject')[0];
    const usable = children(subject, 'SubjectConfirmation')
      .filter((confirmation) => confirmation.$?.Method === BEARER)
      .map((confirmation) => children(confirmation, 'SubjectConfirmationData')[0]?.$ ?? {})
      .filter((data) => {
        const notOnOrAfter = parseTime(data.NotOnOrAfter);
        const notBefore = parseTime(data.NotBefore);
        return (
          notOnOrAfter !== null &&
          now - CLOCK_SKEW_MS < notOnOrAfter &&
          (notBefore === null || now + CLOCK_SKEW_MS >= notBefore) &&
          (!data.Recipient || data.Recipient === urls.acsUrl) &&
          (!data.InResponseTo || data.InResponseTo === inResponseTo)
        );
      });
    if (!usable.length) {
      throw new SamlRefusal(
        'bad_subject_confirmation',
        `The SAML assertion has no current bearer confirmation for ${urls.acsUrl}${inResponseTo ? ' answering this request' : ''}.`,
      );
    }
    const conditionsEnd = parseTime(children(assertion, 'Conditions')[0]?.$?.NotOnOrAfter) ?? 0;
    const confirmationEnd = Math.max(...usable.map((data) => parseTime(data.NotOnOrAfter)!));
    return new Date(Math.max(conditionsEnd, confirmationEnd) + CLOCK_SKEW_MS);
  }

  private engine(
    organization: Organization,
    connection: SamlConnection,
    generateUniqueId?: () => string,
  ): SAML {
    const urls = this.urls(organization);
    return new SAML({
      issuer: urls.entityId,
      audience: urls.entityId,
      callbackUrl: urls.acsUrl,
      entryPoint: connection.ssoUrl,
      idpCert: connection.signingCertificates,
      idpIssuer: connection.idpEntityId,
      wantAuthnResponseSigned: true,
      wantAssertionsSigned: false,
      acceptedClockSkewMs: CLOCK_SKEW_MS,
      // Checked above against the shared store, atomically.
      validateInResponseTo: ValidateInResponseTo.never,
      identifierFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      disableRequestedAuthnContext: true,
      signatureAlgorithm: 'sha256',
      ...(generateUniqueId ? { generateUniqueId } : {}),
    });
  }
}

// What node-saml does not report about the Response element itself: whether a signature sits
// directly on it (to tell "unsigned" from "signed by someone else"), and its Destination. Read
// from the raw XML, but only trusted once node-saml has verified the signature over this element.
function responseEnvelope(samlResponse: string): { signed: boolean; destination: string | null } {
  try {
    const xml = Buffer.from(samlResponse, 'base64').toString('utf8');
    const root = new DOMParser().parseFromString(xml, 'text/xml').documentElement;
    if (!root) return { signed: false, destination: null };
    return {
      signed: Array.from(root.childNodes).some(
        (node) =>
          node.nodeType === 1 &&
          (node as unknown as { localName: string }).localName === 'Signature',
      ),
      destination: root.getAttribute('Destination'),
    };
  } catch {
    return { signed: false, destination: null };
  }
}
