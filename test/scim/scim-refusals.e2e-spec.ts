import { graphql, signInAdmin } from '../support/admin-session';
import { startTestApi, type TestApi } from '../support/api';
import { oktaUser, scimClient, USER, type ScimClient } from './scim-support';

interface Refusal {
  method: string;
  path: string;
  status: number;
  scimType: string | null;
  detail: string;
}

// Why provisioning fails, on the Provisioning screen: the SCIM requests Steward refused to the
// organization's identity provider, newest first, the latest 100 kept.
describe('refused SCIM requests', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  const stored = (organizationId: string) =>
    api.prisma.scimRefusal.count({ where: { organizationId } });

  async function until(check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('not recorded within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function refusalsSeenBy(scim: ScimClient): Promise<Refusal[]> {
    const owner = await signInAdmin(api, scim.organizationId, 'owner');
    const result = await graphql<{ scimRefusals: Refusal[] }>(
      api,
      owner,
      '{ scimRefusals(limit: 10) { method path status scimType detail } }',
    );
    expect(result.errors).toBeUndefined();
    return result.data!.scimRefusals;
  }

  it('shows the identity provider’s refused requests to its own organization only', async () => {
    const scim = await scimClient(api, 'Refusals A');
    const other = await scimClient(api, 'Refusals B');
    expect((await scim.request('GET', '/Users?filter=userName%20eq')).status).toBe(400);
    const conflict = oktaUser();
    expect((await scim.request('POST', '/Users', conflict)).status).toBe(201);
    expect((await scim.request('POST', '/Users', conflict)).status).toBe(409);
    expect((await scim.request('POST', '/Users', { schemas: [USER] })).status).toBe(400);
    // A request without a valid token names no organization: it is not kept anywhere.
    const anonymous = await fetch(`${api.url}/scim/v2/Users`, {
      headers: { authorization: 'Bearer not-a-token' },
    });
    expect(anonymous.status).toBe(401);
    await until(async () => (await stored(scim.organizationId)) === 3);

    const refusals = await refusalsSeenBy(scim);
    expect(refusals.map(({ method, status, scimType }) => [method, status, scimType])).toEqual([
      ['POST', 400, 'invalidValue'],
      ['POST', 409, 'uniqueness'],
      ['GET', 400, 'invalidFilter'],
    ]);
    expect(refusals[2]!.path).toBe('/scim/v2/Users?filter=userName%20eq');
    expect(refusals[1]!.detail).toMatch(/userName/);
    expect(await refusalsSeenBy(other)).toEqual([]);
    expect(await stored(other.organizationId)).toBe(0);
  });

  it('keeps a refused request that quotes a NUL byte, the byte escaped', async () => {
    const scim = await scimClient(api, 'Refusals NUL');
    const filter = encodeURIComponent('userName eq "a\u0000b" and');
    expect((await scim.request('GET', `/Users?filter=${filter}`)).status).toBe(400);
    await until(async () => (await stored(scim.organizationId)) === 1);
    const [refusal] = await refusalsSeenBy(scim);
    expect(refusal!.path).toBe(`/scim/v2/Users?filter=${filter}`);
    expect(refusal!.detail).toContain('a\\u0000b');
  });

  it('keeps the latest 100 of an identity provider that keeps sending a bad request', async () => {
    const scim = await scimClient(api, 'Refusals flood');
    for (let i = 0; i < 110; i++) {
      await scim.request('GET', `/Users?filter=bad${i}`);
    }
    const latestIs = (suffix: string) => async () => {
      const latest = await api.prisma.scimRefusal.findFirst({
        where: { organizationId: scim.organizationId },
        orderBy: { id: 'desc' },
      });
      return latest?.path.endsWith(suffix) ?? false;
    };
    await until(latestIs('bad109'));
    // Refusals written at the same moment may leave one or two extra for a while; the next one
    // trims to the bound again.
    await scim.request('GET', '/Users?filter=bad110');
    await until(latestIs('bad110'));
    expect(await stored(scim.organizationId)).toBe(100);
    const oldest = await api.prisma.scimRefusal.findFirstOrThrow({
      where: { organizationId: scim.organizationId },
      orderBy: { id: 'asc' },
    });
    expect(oldest.path).toBe('/scim/v2/Users?filter=bad11');
  });
});
