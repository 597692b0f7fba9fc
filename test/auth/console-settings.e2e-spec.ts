import { CredentialsService } from '../../apps/admin-api/src/modules/credentials/credentials.service';
import { OrganizationsService } from '../../apps/admin-api/src/modules/organizations/organizations.service';
import { AdminSession, graphql, signInAdmin } from '../support/admin-session';
import { startTestApi, TestApi } from '../support/api';
import { generateIdpKeyPair } from '../support/saml-idp';

interface Credential {
  id: string;
  type: string;
  name: string;
  hint: string;
  scopes: string[];
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const FIELDS = 'id type name hint scopes createdAt lastUsedAt revokedAt';

describe('machine credentials from the console', () => {
  let api: TestApi;
  let organizationId: string;
  let admin: AdminSession;

  beforeAll(async () => {
    api = await startTestApi();
    organizationId = (
      await api.get(OrganizationsService).create('Credentials Co', { type: 'operator' })
    ).id;
    admin = await signInAdmin(api, organizationId, 'admin');
  });

  afterAll(() => api.close());

  async function create(input: Record<string, unknown>) {
    return graphql<{ createMachineCredential: { credential: Credential; secret: string } }>(
      api,
      admin,
      `mutation($input: CreateMachineCredentialInput!) {
        createMachineCredential(input: $input) { secret credential { ${FIELDS} } } }`,
      { input },
    );
  }

  it('creates each kind with its secret shown once, lists it with last use, revokes it', async () => {
    const scim = (await create({ type: 'scim', name: 'Okta provisioning' })).data!
      .createMachineCredential;
    expect(scim.secret).toMatch(/^stw_scim_/);
    expect(scim.credential).toMatchObject({ type: 'scim', name: 'Okta provisioning', scopes: [] });
    expect(scim.secret.startsWith(scim.credential.hint.replace('…', ''))).toBe(true);

    const key = (await create({ type: 'analytics', name: 'SIEM', scopes: ['audit:read'] })).data!
      .createMachineCredential;
    expect(key.secret).toMatch(/^stw_ak_/);
    expect(key.credential.scopes).toEqual(['audit:read']);
    const enrolment = (await create({ type: 'enrolment' })).data!.createMachineCredential;
    expect(enrolment.secret).toMatch(/^stw_enrol_/);

    // The secret works, and its use shows up in the list; the list never carries a secret.
    expect(await api.get(CredentialsService).authenticate(scim.secret, 'scim')).not.toBeNull();
    const listed = await graphql<{ machineCredentials: Credential[] }>(
      api,
      admin,
      `{ machineCredentials { ${FIELDS} } }`,
    );
    expect(JSON.stringify(listed)).not.toContain(scim.secret);
    const listedScim = listed.data!.machineCredentials.find((c) => c.id === scim.credential.id)!;
    expect(listedScim.lastUsedAt).not.toBeNull();
    const onlyKeys = await graphql<{ machineCredentials: Credential[] }>(
      api,
      admin,
      `
        {
          machineCredentials(type: analytics) {
            id
          }
        }
      `,
    );
    expect(onlyKeys.data!.machineCredentials.map((c) => c.id)).toEqual([key.credential.id]);

    const revoked = await graphql<{ revokeMachineCredential: Credential }>(
      api,
      admin,
      `mutation($id: ID!) { revokeMachineCredential(id: $id) { ${FIELDS} } }`,
      { id: scim.credential.id },
    );
    expect(revoked.data!.revokeMachineCredential.revokedAt).not.toBeNull();
    expect(await api.get(CredentialsService).authenticate(scim.secret, 'scim')).toBeNull();
    const again = await graphql(
      api,
      admin,
      `
        mutation ($id: ID!) {
          revokeMachineCredential(id: $id) {
            id
          }
        }
      `,
      { id: scim.credential.id },
    );
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');

    const audited = await api.prisma.auditEvent.findMany({
      where: { organizationId, resourceId: scim.credential.id },
      orderBy: { seq: 'asc' },
    });
    expect(audited.map((event) => [event.action, event.actorType, event.actorId])).toEqual([
      ['credential.created', 'admin', admin.adminId],
      ['credential.revoked', 'admin', admin.adminId],
    ]);
  });

  it('refuses unknown scopes, scopes on non-analytics tokens and hand-made endpoint credentials', async () => {
    const credentials = () => api.prisma.credential.count({ where: { organizationId } });
    const before = await credentials();
    for (const [input, reason] of [
      [{ type: 'analytics', scopes: ['admin:all'] }, 'invalid_scope'],
      [{ type: 'scim', scopes: ['audit:read'] }, 'invalid_scope'],
      [{ type: 'endpoint' }, 'invalid'],
      [{ type: 'scim', name: '   ' }, 'invalid'],
    ] as const) {
      const result = await create(input);
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason });
    }
    expect(await credentials()).toBe(before);
  });
});

describe('SAML settings and role mapping from the console', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });

  afterAll(() => api.close());

  it('validates and records every change to the IdP settings and the role mapping', async () => {
    const organization = await api
      .get(OrganizationsService)
      .create('Settings Co', { type: 'operator' });
    const owner = await signInAdmin(api, organization.id, 'owner');
    const idp = generateIdpKeyPair('Settings IdP');
    const configure = (input: Record<string, unknown>) =>
      graphql<{ configureSaml: { connection: { certificates: { fingerprintSha256: string }[] } } }>(
        api,
        owner,
        `
          mutation ($input: SamlConnectionInput!) {
            configureSaml(input: $input) {
              connection {
                idpEntityId
                ssoUrl
                groupsAttribute
                certificates {
                  fingerprintSha256
                  subject
                  notAfter
                }
              }
            }
          }
        `,
        { input },
      );
    const valid = {
      idpEntityId: 'http://www.okta.com/exk1',
      ssoUrl: 'https://example.okta.com/app/steward/exk1/sso/saml',
      signingCertificates: [idp.certificate],
    };
    for (const invalid of [
      { ...valid, ssoUrl: 'http://idp.example.com/sso' },
      { ...valid, signingCertificates: ['not a certificate'] },
      { ...valid, signingCertificates: [] },
      { ...valid, idpEntityId: ' ' },
    ]) {
      expect((await configure(invalid)).errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'invalid',
      });
    }
    const created = await configure(valid);
    expect(created.data!.configureSaml.connection).toMatchObject({
      idpEntityId: valid.idpEntityId,
      groupsAttribute: 'groups',
      certificates: [{ subject: 'CN=Settings IdP' }],
    });
    // The bare base64 body (as IdP metadata carries it) is accepted too.
    const bare = idp.certificate.replace(/-----[A-Z ]+-----|\s/g, '');
    const updated = await configure({
      ...valid,
      signingCertificates: [bare],
      groupsAttribute: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups',
    });
    expect(updated.data!.configureSaml.connection.certificates).toEqual(
      created.data!.configureSaml.connection.certificates,
    );

    await graphql(
      api,
      owner,
      'mutation { setAdminRoleMapping(idpGroup: "it", role: admin) { id } }',
    );
    await graphql(
      api,
      owner,
      'mutation { setAdminRoleMapping(idpGroup: "it", role: owner) { id } }',
    );
    await graphql(api, owner, 'mutation { removeAdminRoleMapping(idpGroup: "it") }');

    const events = await api.prisma.auditEvent.findMany({
      where: { organizationId: organization.id, actorId: owner.adminId },
      orderBy: { seq: 'asc' },
    });
    expect(events.map((event) => [event.action, event.data])).toEqual([
      ['saml.connection_created', expect.objectContaining({ idpEntityId: valid.idpEntityId })],
      [
        'saml.connection_updated',
        expect.objectContaining({
          groupsAttribute: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups',
        }),
      ],
      ['admin_role_mapping.set', { idpGroup: 'it', from: null, to: 'admin' }],
      ['admin_role_mapping.set', { idpGroup: 'it', from: 'admin', to: 'owner' }],
      ['admin_role_mapping.removed', { idpGroup: 'it', from: 'owner' }],
    ]);
  });
});
