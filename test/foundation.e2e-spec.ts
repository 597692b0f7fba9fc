import { OrganizationsService } from '../apps/admin-api/src/modules/organizations/organizations.service';
import { startTestApi, TestApi } from './support/api';
import { graphql, signInAdmin } from './support/admin-session';

describe('the API on real Postgres and Redis', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });

  afterAll(() => api.close());

  it('answers /healthz and /readyz with both dependencies checked', async () => {
    expect(await (await fetch(`${api.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${api.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { database: 'ok', redis: 'ok' },
    });
  });

  it('answers unknown API routes with problem+json', async () => {
    const response = await fetch(`${api.url}/api/nope`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ status: 404, title: 'not found' });
  });

  it('signs the first admin in once with the bootstrap link, then refuses the same link', async () => {
    const organizations = api.get(OrganizationsService);
    const organization = await organizations.create('Bootstrap Co', { type: 'operator' });
    const link = (await organizations.issueBootstrapLink(organization))!;
    const path = link.replace(api.config.PUBLIC_URL, api.url);

    const first = await fetch(path, { redirect: 'manual' });
    expect(first.status).toBe(303);
    const cookies = first.headers.getSetCookie();
    expect(cookies.find((c) => c.startsWith('steward_session='))).toMatch(/HttpOnly/i);
    const cookie = cookies.map((c) => c.split(';')[0]).join('; ');

    const viewer = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ query: '{ viewer { role organization { slug } } }' }),
    });
    expect(await viewer.json()).toEqual({
      data: { viewer: { role: 'owner', organization: { slug: 'bootstrap-co' } } },
    });

    const again = await fetch(path, { redirect: 'manual' });
    expect(again.status).toBe(403);
    expect(await again.text()).toMatch(/already used/);
    const failures = await api.prisma.auditEvent.count({
      where: { organizationId: organization.id, action: 'admin.sign_in_failed' },
    });
    expect(failures).toBe(1);
  });

  it('signs out: the session cookie stops working', async () => {
    const organization = await api
      .get(OrganizationsService)
      .create('Sign Out Co', { type: 'operator' });
    const session = await signInAdmin(api, organization.id, 'admin');
    expect((await graphql(api, session, '{ viewer { role } }')).data).toEqual({
      viewer: { role: 'admin' },
    });

    const withoutCsrf = await fetch(`${api.url}/auth/logout`, {
      method: 'POST',
      headers: { cookie: session.headers.cookie },
    });
    expect(withoutCsrf.status).toBe(403);
    const logout = await fetch(`${api.url}/auth/logout`, {
      method: 'POST',
      headers: session.headers,
    });
    expect(logout.status).toBe(204);
    expect((await graphql(api, session, '{ viewer { role } }')).data).toEqual({ viewer: null });
  });
});
