import { OrganizationsService } from '../../apps/admin-api/src/modules/organizations/organizations.service';
import { graphqlRolesAllowed } from '../support/admin-roles';
import { graphql, signInAdmin } from '../support/admin-session';
import { startTestApi, type TestApi } from '../support/api';

const RENAME = 'mutation ($name: String!) { renameOrganization(name: $name) { id name slug } }';

// `npm start` names the first organization "My organization": its owner renames it from the
// console. The slug (in sign-in and SCIM URLs) stays; the audit log says who renamed it from what.
describe('renaming the organization', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it('renames for the owner only, keeps the slug, audits before and after', async () => {
    const org = await api.get(OrganizationsService).create('My organization', { type: 'system' });
    const owner = await signInAdmin(api, org.id, 'owner');
    const renamed = await graphql<{ renameOrganization: { name: string; slug: string } }>(
      api,
      owner,
      RENAME,
      { name: '  Acme Robotics ' },
    );
    expect(renamed.errors).toBeUndefined();
    expect(renamed.data!.renameOrganization).toMatchObject({
      name: 'Acme Robotics',
      slug: org.slug,
    });
    const stored = await api.prisma.organization.findUniqueOrThrow({ where: { id: org.id } });
    expect([stored.name, stored.slug]).toEqual(['Acme Robotics', org.slug]);
    const record = await api.prisma.auditEvent.findFirstOrThrow({
      where: { organizationId: org.id, action: 'organization.renamed' },
    });
    expect(record).toMatchObject({
      actorType: 'admin',
      data: { before: { name: 'My organization' }, after: { name: 'Acme Robotics' } },
    });
    expect(await graphqlRolesAllowed(api, org.id, RENAME, { name: 'Other' })).toEqual(['owner']);
  });

  it('refuses an empty or unprintable name and changes nothing', async () => {
    const org = await api.get(OrganizationsService).create('Keeps its name', { type: 'system' });
    const owner = await signInAdmin(api, org.id, 'owner');
    for (const name of ['   ', 'x'.repeat(201), 'bell\u0007']) {
      const refused = await graphql(api, owner, RENAME, { name });
      expect(refused.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'invalid_name',
      });
    }
    const stored = await api.prisma.organization.findUniqueOrThrow({ where: { id: org.id } });
    expect(stored.name).toBe('Keeps its name');
    expect(
      await api.prisma.auditEvent.count({
        where: { organizationId: org.id, action: 'organization.renamed' },
      }),
    ).toBe(0);
  });
});
