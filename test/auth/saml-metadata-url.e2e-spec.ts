import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AdminRole } from '../../apps/admin-api/src/generated/prisma/enums';
import { OrganizationsService } from '../../apps/admin-api/src/modules/organizations/organizations.service';
import { graphql, signInAdmin } from '../support/admin-session';
import type { AdminSession } from '../support/admin-session';
import { startTestApi } from '../support/api';
import type { TestApi } from '../support/api';
import { certificateBody, generateIdpKeyPair, idpMetadataXml } from '../support/saml-idp';

const LIMIT = 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, ' ');

function drainedOrClosed(response: http.ServerResponse) {
  return new Promise<void>((resolve) => {
    const done = () => {
      response.off('drain', done).off('close', done);
      resolve();
    };
    response.on('drain', done).on('close', done);
  });
}

// A stand-in IdP web server on 127.0.0.1: its metadata (behind a redirect too), and answers that
// are not metadata. It logs every request it gets and what it sent of an endless answer.
async function idpWebServer(metadata: string, spMetadata: string) {
  const requests: string[] = [];
  const endless = { sent: 0, closed: false };
  const server = http.createServer(async (request, response) => {
    requests.push(request.url!);
    response.on('error', () => undefined);
    switch (request.url) {
      case '/federationmetadata.xml':
        response.writeHead(200, { 'content-type': 'application/samlmetadata+xml' });
        return response.end(metadata);
      case '/moved':
        response.writeHead(302, { location: '/federationmetadata.xml' });
        return response.end();
      case '/sp-metadata.xml':
        response.writeHead(200, { 'content-type': 'application/xml' });
        return response.end(spMetadata);
      case '/login':
        response.writeHead(200, { 'content-type': 'text/html' });
        return response.end('<!doctype html><html><body><p>Sign in<br></body></html>');
      case '/declared-too-large':
        response.writeHead(200, { 'content-length': String(LIMIT + 1) });
        return response.end(Buffer.alloc(LIMIT + 1, ' '));
      case '/endless': {
        // Metadata that never ends, sent as fast as the reader takes it, until it hangs up.
        response.writeHead(200, { 'content-type': 'application/xml' });
        response.on('close', () => (endless.closed = true));
        response.write('<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata"><!--');
        while (!response.destroyed) {
          endless.sent += CHUNK.length;
          if (!response.write(CHUNK)) await drainedOrClosed(response);
        }
        return;
      }
      default:
        response.writeHead(404);
        return response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    requests,
    endless,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

interface Fetched {
  fetchSamlIdpMetadata: { idpEntityId: string; ssoUrl: string; certificates: string[] };
}

function fetchMetadata(api: TestApi, session: AdminSession | null, url: string) {
  return graphql<Fetched>(
    api,
    session,
    `
      mutation ($url: String!) {
        fetchSamlIdpMetadata(url: $url) {
          idpEntityId
          ssoUrl
          certificates
        }
      }
    `,
    { url },
  );
}

const refusal = (result: { errors?: { message: string; extensions?: object }[] }) => ({
  message: result.errors?.[0]?.message,
  ...(result.errors?.[0]?.extensions as { code?: string; reason?: string }),
});

async function organizationWith(api: TestApi, name: string, role: AdminRole = 'owner') {
  const organization = await api.get(OrganizationsService).create(name, { type: 'operator' });
  return { organization, admin: await signInAdmin(api, organization.id, role) };
}

// An owner fills the identity provider form from the IdP's metadata URL: the API fetches it from
// the IdP, through the same address guard as connector imports, and stores nothing.
describe('IdP metadata from a URL', () => {
  const current = generateIdpKeyPair('Entra Current');
  const next = generateIdpKeyPair('Entra Next');
  const entityId = 'https://sts.windows.net/5a1c0ffe-0000-4000-8000-00000000beef/';
  const ssoUrl = 'https://login.example.test/5a1c0ffe/saml2';
  let api: TestApi;
  let permissive: TestApi;
  let idp: Awaited<ReturnType<typeof idpWebServer>>;
  let base: string;

  beforeAll(async () => {
    api = await startTestApi();
    permissive = await startTestApi({ STEWARD_ALLOW_PRIVATE_CONNECTOR_IMPORT: 'true' });
    const spOrganization = await api.get(OrganizationsService).create('Sp Co', {
      type: 'operator',
    });
    const spMetadata = await (
      await fetch(`${api.url}/auth/saml/${spOrganization.slug}/metadata`)
    ).text();
    const metadata = idpMetadataXml({
      entityId,
      ssoUrl,
      signing: [current, next],
      encryption: generateIdpKeyPair('Entra Encryption'),
    });
    idp = await idpWebServer(metadata, spMetadata);
    base = `http://localhost:${idp.port}`;
  });
  afterAll(async () => {
    await idp?.close();
    await permissive?.close();
    await api?.close();
  });

  it('reads the entity id, sign-in URL and signing certificates, after a redirect, and stores nothing', async () => {
    const { organization, admin } = await organizationWith(permissive, 'Metadata Url Co');
    const audited = await permissive.prisma.auditEvent.count({
      where: { organizationId: organization.id },
    });
    const fetched = await fetchMetadata(permissive, admin, `${base}/moved`);
    expect(fetched.errors).toBeUndefined();
    expect(fetched.data!.fetchSamlIdpMetadata).toEqual({
      idpEntityId: entityId,
      ssoUrl,
      certificates: [certificateBody(current.certificate), certificateBody(next.certificate)],
    });
    expect(idp.requests.slice(-2)).toEqual(['/moved', '/federationmetadata.xml']);
    expect(
      await permissive.prisma.samlConnection.count({ where: { organizationId: organization.id } }),
    ).toBe(0);
    expect(
      await permissive.prisma.auditEvent.count({ where: { organizationId: organization.id } }),
    ).toBe(audited);

    // What came back is what the form saves.
    const { idpEntityId, certificates } = fetched.data!.fetchSamlIdpMetadata;
    const saved = await graphql(
      permissive,
      admin,
      `
        mutation ($input: SamlConnectionInput!) {
          configureSaml(input: $input) {
            connection {
              certificates {
                subject
              }
            }
          }
        }
      `,
      { input: { idpEntityId, ssoUrl, signingCertificates: certificates } },
    );
    expect(saved.data).toEqual({
      configureSaml: {
        connection: {
          certificates: [{ subject: 'CN=Entra Current' }, { subject: 'CN=Entra Next' }],
        },
      },
    });
  });

  it('refuses loopback and link-local addresses the operator has not allowed, without a request', async () => {
    expect(api.config.STEWARD_ALLOW_PRIVATE_CONNECTOR_IMPORT).toBe(false);
    const { admin } = await organizationWith(api, 'Private Address Co');
    const before = idp.requests.length;
    const results = [];
    for (const host of ['127.0.0.1', 'localhost', '[::1]', '169.254.169.254']) {
      results.push(refusal(await fetchMetadata(api, admin, `http://${host}:${idp.port}/moved`)));
    }
    expect(results.map(({ code, reason }) => [code, reason])).toEqual(
      Array(4).fill(['FORBIDDEN', 'address_refused']),
    );
    expect(results[0]!.message).toMatch(
      /127\.0\.0\.1 is a loopback address.*STEWARD_ALLOW_PRIVATE_CONNECTOR_IMPORT=true/,
    );
    expect(results[1]!.message).toMatch(/localhost resolves to (127\.0\.0\.1|::1), a loopback/);
    expect(results[3]!.message).toMatch(/169\.254\.169\.254 is a link-local address/);
    expect(idp.requests.length).toBe(before);
  });

  it('refuses an answer over 1 MiB, declared or streamed, as soon as it passes the limit', async () => {
    const { admin } = await organizationWith(permissive, 'Too Large Co');
    const declared = refusal(await fetchMetadata(permissive, admin, `${base}/declared-too-large`));
    expect(declared).toMatchObject({ code: 'BAD_GATEWAY', reason: 'metadata_too_large' });
    expect(declared.message).toMatch(/more than 1048576 bytes/);

    // The endless answer is cut off at the limit, not at the deadline.
    const streamed = refusal(await fetchMetadata(permissive, admin, `${base}/endless`));
    expect(streamed).toMatchObject({ code: 'BAD_GATEWAY', reason: 'metadata_too_large' });
    expect(idp.endless.closed).toBe(true);
    // What the sockets' buffers held beyond the limit, not a stream read on to the end.
    expect(idp.endless.sent).toBeLessThan(16 * LIMIT);
  });

  it('refuses what is not an identity provider’s metadata, and an HTTP error', async () => {
    const { admin } = await organizationWith(permissive, 'Not Metadata Co');
    expect(refusal(await fetchMetadata(permissive, admin, `${base}/login`))).toEqual({
      code: 'BAD_USER_INPUT',
      reason: 'not_metadata',
      field: 'url',
      message: `${base}/login did not answer with an identity provider's SAML metadata: This is not well-formed XML`,
    });
    // A service provider's metadata (Steward's own) has no IdP role.
    expect(refusal(await fetchMetadata(permissive, admin, `${base}/sp-metadata.xml`))).toEqual(
      expect.objectContaining({
        reason: 'not_metadata',
        message: expect.stringMatching(/No identity provider \(IDPSSODescriptor\)/),
      }),
    );
    expect(refusal(await fetchMetadata(permissive, admin, `${base}/gone`))).toEqual(
      expect.objectContaining({
        code: 'BAD_GATEWAY',
        reason: 'metadata_unreachable',
        message: `${base}/gone answered HTTP 404`,
      }),
    );
  });

  it('refuses a URL that is not http(s), or carries credentials, before any request', async () => {
    const { admin } = await organizationWith(permissive, 'Bad Url Co');
    const before = idp.requests.length;
    for (const url of [
      'not a url',
      'file:///etc/passwd',
      `ftp://localhost:${idp.port}/federationmetadata.xml`,
      `http://user:secret@localhost:${idp.port}/federationmetadata.xml`,
    ]) {
      expect(refusal(await fetchMetadata(permissive, admin, url))).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'invalid',
        field: 'url',
      });
    }
    expect(idp.requests.length).toBe(before);
  });

  it('is the owner’s alone: other admins and strangers are refused without a request', async () => {
    const before = idp.requests.length;
    for (const role of ['admin', 'auditor', 'billing'] as const) {
      const { admin } = await organizationWith(permissive, `Role ${role} Co`, role);
      const refused = refusal(await fetchMetadata(permissive, admin, `${base}/moved`));
      expect(refused.code).toBe('FORBIDDEN');
      expect(refused.reason).toBeUndefined();
    }
    expect(refusal(await fetchMetadata(permissive, null, `${base}/moved`)).code).toBe(
      'UNAUTHENTICATED',
    );
    // A mutation, so a cross-site page cannot make the server fetch with the owner's cookie.
    const { admin: owner } = await organizationWith(permissive, 'Csrf Co');
    const crossSite = { ...owner, headers: { cookie: owner.headers.cookie! } };
    expect(refusal(await fetchMetadata(permissive, crossSite, `${base}/moved`))).toMatchObject({
      code: 'FORBIDDEN',
      message: 'missing or wrong CSRF token',
    });
    expect(idp.requests.length).toBe(before);
  });
});
