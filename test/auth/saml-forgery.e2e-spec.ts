import { startTestApi, TestApi } from '../support/api';
import {
  assertionXml,
  authnRequestId,
  encode,
  generateIdpKeyPair,
  IdpKeyPair,
  responseXml,
  sign,
} from '../support/saml-idp';
import {
  assertionFor,
  lastFailure,
  postToAcs,
  SamlOrganization,
  samlOrganization,
  sessionCookieOf,
  signedResponse,
} from './saml-fixture';

// Forged, altered, stale, replayed and misdirected SAML responses: each is refused with a reason
// an admin can act on, recorded in the audit log, and no session is created.
describe('forged SAML responses', () => {
  let api: TestApi;
  let idp: IdpKeyPair;
  let attacker: IdpKeyPair;
  let organization: SamlOrganization;

  beforeAll(async () => {
    api = await startTestApi();
    idp = generateIdpKeyPair('Real IdP');
    attacker = generateIdpKeyPair('Attacker');
    organization = await samlOrganization(api, 'Forgery Target', idp);
  });

  afterAll(() => api.close());

  async function sessionsOf(target: SamlOrganization): Promise<number> {
    return api.prisma.adminSession.count({ where: { organizationId: target.id } });
  }

  async function expectRefused(
    samlResponse: string,
    code: string,
    reason: RegExp,
    target = organization,
  ): Promise<void> {
    const before = await sessionsOf(target);
    const response = await postToAcs(api, target.slug, samlResponse);
    expect(response.status).toBe(403);
    expect(sessionCookieOf(response)).toBeNull();
    expect(await response.text()).toMatch(reason);
    expect(await lastFailure(api, target.id)).toMatchObject({ code });
    expect(await sessionsOf(target)).toBe(before);
  }

  it('accepts the genuine response these forgeries start from', async () => {
    const response = await postToAcs(api, organization.slug, signedResponse(organization, idp));
    expect(response.status).toBe(303);
    expect(sessionCookieOf(response)).not.toBeNull();
  });

  it('refuses an unsigned response', async () => {
    const assertion = assertionFor(organization, { groups: ['steward-owners'] });
    await expectRefused(
      encode(responseXml(assertion, [assertionXml(assertion)])),
      'unsigned',
      /not signed/,
    );
  });

  it('refuses a response signed by another key', async () => {
    await expectRefused(
      signedResponse(organization, attacker, { groups: ['steward-owners'] }),
      'bad_signature',
      /not signed with the certificate configured/,
    );
  });

  it('refuses an assertion altered after signing', async () => {
    const assertion = assertionFor(organization);
    const signed = sign(responseXml(assertion, [assertionXml(assertion)]), 'Response', idp);
    const altered = signed
      .replace('pat@example.com', 'mallory@example.com')
      .replace('steward-admins', 'steward-owners');
    expect(altered).not.toBe(signed);
    await expectRefused(encode(altered), 'bad_signature', /not signed with the certificate/);
  });

  it('refuses an extra unsigned assertion wrapped into a signed response', async () => {
    const genuine = assertionFor(organization);
    const signed = sign(responseXml(genuine, [assertionXml(genuine)]), 'Response', idp);
    const evil = assertionXml(
      assertionFor(organization, { email: 'mallory@example.com', groups: ['steward-owners'] }),
    );
    const wrapped = signed.replace('<samlp:Status>', `${evil}<samlp:Status>`);
    await expectRefused(encode(wrapped), 'bad_signature', /not signed|changed after it was signed/);
  });

  it('refuses signature wrapping around an assertion-only signature', async () => {
    // The IdP signed only its assertion; the attacker keeps that signed assertion (to satisfy a
    // naive check) hidden in an Extensions element and puts their own assertion in its place.
    const genuine = assertionFor(organization);
    const signedAssertion = sign(
      responseXml(genuine, [assertionXml(genuine)]),
      'Assertion',
      idp,
    ).match(/<saml:Assertion[\s\S]*<\/saml:Assertion>/)![0];
    const evil = assertionXml(
      assertionFor(organization, { email: 'mallory@example.com', groups: ['steward-owners'] }),
    );
    const wrapped = responseXml(genuine, [evil]).replace(
      '<samlp:Status>',
      `<samlp:Extensions>${signedAssertion}</samlp:Extensions><samlp:Status>`,
    );
    await expectRefused(encode(wrapped), 'unsigned', /not signed/);
  });

  it('refuses an assertion for another audience', async () => {
    await expectRefused(
      signedResponse(organization, idp, { audience: 'https://other-sp.example/metadata' }),
      'wrong_audience',
      /meant for another service provider/,
    );
  });

  it('refuses an assertion from another issuer, even signed with the configured key', async () => {
    await expectRefused(
      signedResponse(organization, idp, { idpEntityId: 'https://other-idp.example/' }),
      'wrong_issuer',
      /not by this organization&#39;s identity provider/,
    );
  });

  it('refuses a bearer confirmation addressed to another ACS', async () => {
    await expectRefused(
      signedResponse(organization, idp, {
        recipient: 'https://elsewhere.example/acs',
        destination: organization.acsUrl,
      }),
      'bad_subject_confirmation',
      /no current bearer confirmation/,
    );
  });

  it('refuses a response sent to another destination', async () => {
    await expectRefused(
      signedResponse(organization, idp, { destination: 'https://elsewhere.example/acs' }),
      'wrong_destination',
      /not to this organization&#39;s ACS/,
    );
  });

  it('refuses an expired assertion', async () => {
    await expectRefused(
      signedResponse(organization, idp, {
        notBeforeOffsetMs: -20 * 60_000,
        notOnOrAfterOffsetMs: -10 * 60_000,
      }),
      'expired',
      /has expired/,
    );
  });

  it('refuses an assertion that is not valid yet', async () => {
    await expectRefused(
      signedResponse(organization, idp, {
        notBeforeOffsetMs: 10 * 60_000,
        notOnOrAfterOffsetMs: 20 * 60_000,
      }),
      'not_yet_valid',
      /not valid yet/,
    );
  });

  it('refuses a replayed IdP-initiated response', async () => {
    const response = signedResponse(organization, idp);
    expect((await postToAcs(api, organization.slug, response)).status).toBe(303);
    await expectRefused(response, 'replayed', /already used/);
  });

  it('refuses a replayed SP-initiated response', async () => {
    const login = await fetch(`${api.url}/auth/saml/${organization.slug}/login`, {
      redirect: 'manual',
    });
    const inResponseTo = authnRequestId(login.headers.get('location')!);
    const response = signedResponse(organization, idp, { inResponseTo });
    expect((await postToAcs(api, organization.slug, response)).status).toBe(303);
    await expectRefused(response, 'replayed', /already used/);
  });

  it('refuses an answer to a request Steward never made', async () => {
    await expectRefused(
      signedResponse(organization, idp, { inResponseTo: '_never-requested' }),
      'unknown_request',
      /did not make/,
    );
  });

  it('refuses a response made for another organization, even one trusting the same IdP', async () => {
    const other = await samlOrganization(api, 'Forgery Neighbour', idp);
    // For the neighbour's audience and ACS, posted to the target's ACS.
    await expectRefused(signedResponse(other, idp), 'wrong_audience', /another service provider/);
    // A request the neighbour made cannot be answered at the target either.
    const login = await fetch(`${api.url}/auth/saml/${other.slug}/login`, { redirect: 'manual' });
    const inResponseTo = authnRequestId(login.headers.get('location')!);
    await expectRefused(
      signedResponse(organization, idp, { inResponseTo }),
      'unknown_request',
      /did not make/,
    );
  });
});

// Two API replicas handed the same response at the same moment: exactly one signs in, with the
// replay store in Redis and, without Redis, in Postgres.
describe.each([
  ['Redis', {}],
  ['Postgres (no Redis)', { REDIS_URL: '' }],
])('SAML replay across two replicas, store in %s', (_store, env) => {
  let replicas: TestApi[];
  let idp: IdpKeyPair;

  beforeAll(async () => {
    replicas = [await startTestApi(env), await startTestApi(env)];
    idp = generateIdpKeyPair();
  });

  afterAll(() => Promise.all(replicas.map((replica) => replica.close())));

  it.each(['sp', 'idp'])('accepts a %s-initiated response once', async (initiatedBy) => {
    const organization = await samlOrganization(
      replicas[0],
      `Replicas ${initiatedBy} ${Object.keys(env).length}`,
      idp,
    );
    let inResponseTo: string | undefined;
    if (initiatedBy === 'sp') {
      const login = await fetch(`${replicas[1].url}/auth/saml/${organization.slug}/login`, {
        redirect: 'manual',
      });
      inResponseTo = authnRequestId(login.headers.get('location')!);
    }
    const response = signedResponse(organization, idp, { inResponseTo });
    const results = await Promise.all(
      [...replicas, ...replicas].map((replica) => postToAcs(replica, organization.slug, response)),
    );
    expect(results.map((result) => result.status).sort()).toEqual([303, 403, 403, 403]);
    const keptInPostgres = await replicas[0].prisma.samlReplayEntry.count({
      where: { organizationId: organization.id },
    });
    expect(keptInPostgres > 0).toBe('REDIS_URL' in env);
  });
});
