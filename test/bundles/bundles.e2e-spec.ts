import { verifyBundle, verifyTrustSetUpdate } from '@steward/policy';
import type { TrustSet } from '@steward/policy';
import { CredentialsService } from '../../apps/admin-api/src/modules/credentials/credentials.service';
import { DirectoryService } from '../../apps/admin-api/src/modules/directory/directory.service';
import { OrganizationsService } from '../../apps/admin-api/src/modules/organizations/organizations.service';
import { userWrite } from '../../apps/admin-api/src/modules/scim/scim.resource';
import { graphql, signInAdmin } from '../support/admin-session';
import { startTestApi, TestApi } from '../support/api';

interface Enrolled {
  endpointId: string;
  organizationId: string;
  userId: string;
  credential: string;
  trustSet: string;
}

describe('signed bundles: enrol, pull, long-poll, republish, revoke', () => {
  let a: TestApi;
  let b: TestApi;

  beforeAll(async () => {
    a = await startTestApi();
    b = await startTestApi();
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  async function organization() {
    const org = await a.get(OrganizationsService).create(`Bundles ${Math.random()}`, {
      type: 'operator',
    });
    const token = await a
      .get(CredentialsService)
      .issue(org.id, 'enrolment', { actor: { type: 'operator' } });
    return { id: org.id, token: token.secret };
  }

  async function user(organizationId: string, userName: string) {
    return a.prisma.directoryUser.create({
      data: { organizationId, userName, userNameLower: userName.toLowerCase() },
    });
  }

  async function enrol(token: string, body: Record<string, unknown>) {
    return fetch(`${a.url}/api/v1/endpoints/enrol`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ deviceName: 'laptop', os: 'macos', runtimeVersion: '0.1.0', ...body }),
    });
  }

  async function enrolled(token: string, userName: string): Promise<Enrolled> {
    const response = await enrol(token, { user: userName });
    expect(response.status).toBe(201);
    return (await response.json()) as Enrolled;
  }

  function pull(
    api: TestApi,
    endpoint: Enrolled,
    headers: Record<string, string> = {},
    query = '',
  ) {
    return fetch(`${api.url}/api/v1/endpoints/bundle${query}`, {
      headers: { authorization: `Bearer ${endpoint.credential}`, ...headers },
    });
  }

  function trustSetOf(endpoint: Enrolled): TrustSet {
    const result = verifyTrustSetUpdate(Buffer.from(endpoint.trustSet), {
      held: null,
      expectedOrg: endpoint.organizationId,
    });
    if (!result.ok) throw new Error(`trust set refused: ${result.reason}`);
    return result.trustSet;
  }

  function verify(endpoint: Enrolled, body: Buffer, heldVersion = 0) {
    return verifyBundle(body, {
      trustSet: trustSetOf(endpoint),
      expectedOrg: endpoint.organizationId,
      expectedSubject: { userId: endpoint.userId, endpointId: endpoint.endpointId },
      heldVersion,
    });
  }

  it('enrols an endpoint for a directory user and serves its verified bundle with ETag and 304', async () => {
    const org = await organization();
    await user(org.id, 'Alice@example.com');
    const endpoint = await enrolled(org.token, 'alice@example.com');
    expect(endpoint.credential).toMatch(/^stw_ep_/);

    const first = await pull(a, endpoint);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toContain('application/vnd.steward.bundle+json');
    const etag = first.headers.get('etag')!;
    const result = verify(endpoint, Buffer.from(await first.arrayBuffer()));
    expect(result).toMatchObject({ ok: true, bundle: { version: 1, access: 'granted' } });

    const again = await pull(b, endpoint, { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);

    const status = await fetch(`${a.url}/api/v1/endpoints/status`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${endpoint.credential}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ bundleVersion: 1, verified: true, trustSetVersion: 1, errors: [] }),
    });
    expect(status.status).toBe(204);
    const admin = await signInAdmin(a, org.id, 'admin');
    const listed = await graphql<{
      endpoints: { id: string; reportedVersion: number; bundleVersion: number }[];
    }>(a, admin, '{ endpoints { id reportedVersion bundleVersion reportedVerified } }');
    expect(listed.data?.endpoints).toEqual([
      expect.objectContaining({ id: endpoint.endpointId, reportedVersion: 1, bundleVersion: 1 }),
    ]);
  });

  it('refuses enrolment for an unknown or deactivated user and without a valid token', async () => {
    const org = await organization();
    const unknown = await enrol(org.token, { user: 'nobody@example.com' });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
    expect(await unknown.json()).toMatchObject({ code: 'user_not_found' });
    const gone = await user(org.id, 'gone@example.com');
    await a.prisma.directoryUser.update({ where: { id: gone.id }, data: { active: false } });
    const deactivated = await enrol(org.token, { user: gone.id });
    expect(deactivated.status).toBe(403);
    expect(await deactivated.json()).toMatchObject({ code: 'user_deactivated' });
    expect((await enrol('stw_enrol_wrong', { user: gone.id })).status).toBe(401);
    expect((await enrol(org.token, { user: 'x', os: 'amiga' })).status).toBe(400);
  });

  it('wakes a long-poll held on another replica and republishes exactly the affected users', async () => {
    const org = await organization();
    const alice = await user(org.id, 'alice@example.com');
    await user(org.id, 'bob@example.com');
    const aliceEndpoint = await enrolled(org.token, 'alice@example.com');
    const bobEndpoint = await enrolled(org.token, 'bob@example.com');
    const held = await pull(b, aliceEndpoint);
    const etag = held.headers.get('etag')!;

    const poll = pull(b, aliceEndpoint, { 'if-none-match': etag }, '?wait=30');
    // The change lands on replica A: the directory deactivates Alice, with the record that her
    // bundles must be republished in the same transaction.
    await a
      .get(DirectoryService)
      .updateUser(
        org.id,
        alice.id,
        () => userWrite({ userName: 'alice@example.com', active: false }),
        { type: 'system' },
      );
    const woken = await poll;
    expect(woken.status).toBe(200);
    const result = verify(aliceEndpoint, Buffer.from(await woken.arrayBuffer()), 1);
    expect(result).toMatchObject({ ok: true, bundle: { version: 2, access: 'revoked' } });
    if (result.ok) expect(result.bundle.policy.capabilities).toEqual({});

    await a.jobs.drain();
    await b.jobs.drain();
    const versions = await a.prisma.endpoint.findMany({
      where: { organizationId: org.id },
      select: { id: true, bundleVersion: true },
    });
    expect(Object.fromEntries(versions.map((v) => [v.id, v.bundleVersion]))).toEqual({
      [aliceEndpoint.endpointId]: 2,
      [bobEndpoint.endpointId]: 1,
    });
    const bobPull = await pull(a, bobEndpoint);
    expect(verify(bobEndpoint, Buffer.from(await bobPull.arrayBuffer()))).toMatchObject({
      ok: true,
      bundle: { version: 1, access: 'granted' },
    });
  });

  it('refuses a revoked endpoint on every replica and keeps organizations apart', async () => {
    const org = await organization();
    const other = await organization();
    await user(org.id, 'carol@example.com');
    const endpoint = await enrolled(org.token, 'carol@example.com');
    expect((await pull(b, endpoint)).status).toBe(200);

    const outsider = await signInAdmin(a, other.id, 'owner');
    const foreign = await graphql(
      a,
      outsider,
      'mutation($id: ID!) { revokeEndpoint(id: $id) { id } }',
      {
        id: endpoint.endpointId,
      },
    );
    expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const listed = await graphql<{ endpoints: unknown[] }>(a, outsider, '{ endpoints { id } }');
    expect(listed.data?.endpoints).toEqual([]);

    const admin = await signInAdmin(a, org.id, 'admin');
    const revoked = await graphql(
      a,
      admin,
      'mutation($id: ID!) { revokeEndpoint(id: $id) { revokedAt } }',
      {
        id: endpoint.endpointId,
      },
    );
    expect(revoked.errors).toBeUndefined();
    expect((await pull(a, endpoint)).status).toBe(401);
    expect((await pull(b, endpoint)).status).toBe(401);
    const audit = await a.prisma.auditEvent.findMany({
      where: { organizationId: org.id, action: { in: ['endpoint.enrolled', 'endpoint.revoked'] } },
      select: { action: true },
    });
    expect(audit.map((e) => e.action).sort()).toEqual(['endpoint.enrolled', 'endpoint.revoked']);
  });

  it('revokes an endpoint all or nothing, and once however many admins click', async () => {
    const org = await organization();
    await user(org.id, 'erin@example.com');
    const endpoint = await enrolled(org.token, 'erin@example.com');
    const admin = await signInAdmin(a, org.id, 'admin');
    const revoke = (id: string) =>
      graphql(a, admin, 'mutation($id: ID!) { revokeEndpoint(id: $id) { revokedAt } }', { id });
    const state = async (id: string) => {
      const row = await a.prisma.endpoint.findUniqueOrThrow({ where: { id } });
      const credential = await a.prisma.credential.findUniqueOrThrow({
        where: { id: row.credentialId },
      });
      const records = await a.prisma.auditEvent.count({
        where: { organizationId: org.id, action: 'endpoint.revoked', resourceId: id },
      });
      return { endpoint: !!row.revokedAt, credential: !!credential.revokedAt, records };
    };

    // The last write of a revocation (its audit record) fails: nothing of it stays.
    await a.prisma.$executeRawUnsafe(`
      CREATE FUNCTION refuse_revocation_record() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION 'audit store unavailable'; END $$;
      CREATE TRIGGER refuse_revocation_record BEFORE INSERT ON "AuditEvent" FOR EACH ROW
        WHEN (NEW.action = 'endpoint.revoked' AND NEW."organizationId" = '${org.id}')
        EXECUTE FUNCTION refuse_revocation_record();`);
    try {
      expect((await revoke(endpoint.endpointId)).errors).toBeDefined();
    } finally {
      await a.prisma.$executeRawUnsafe(
        'DROP TRIGGER refuse_revocation_record ON "AuditEvent"; DROP FUNCTION refuse_revocation_record();',
      );
    }
    expect(await state(endpoint.endpointId)).toEqual({
      endpoint: false,
      credential: false,
      records: 0,
    });
    expect((await pull(a, endpoint)).status).toBe(200);

    // Tried again, it is done; three admins at once: one revocation, two conflicts.
    expect((await revoke(endpoint.endpointId)).errors).toBeUndefined();
    expect(await state(endpoint.endpointId)).toEqual({
      endpoint: true,
      credential: true,
      records: 1,
    });
    const second = await enrolled(org.token, 'erin@example.com');
    const answers = await Promise.all([1, 2, 3].map(() => revoke(second.endpointId)));
    expect(answers.filter((answer) => !answer.errors)).toHaveLength(1);
    expect(
      answers.flatMap((answer) => answer.errors ?? []).map((error) => error.extensions?.code),
    ).toEqual(['CONFLICT', 'CONFLICT']);
    expect(await state(second.endpointId)).toEqual({
      endpoint: true,
      credential: true,
      records: 1,
    });
  });

  it('rotates the signing key: the update verifies against the held trust set, new bundles use the new key', async () => {
    const org = await organization();
    await user(org.id, 'dan@example.com');
    const endpoint = await enrolled(org.token, 'dan@example.com');
    const held = trustSetOf(endpoint);
    const owner = await signInAdmin(a, org.id, 'owner');
    const rotated = await graphql<{ rotateSigningKey: { keyId: string } }>(
      a,
      owner,
      'mutation { rotateSigningKey(graceHours: 24) { keyId status } }',
    );
    expect(rotated.errors).toBeUndefined();
    const updates = (await (
      await fetch(`${a.url}/api/v1/endpoints/trust-set?since=${held.version}`, {
        headers: { authorization: `Bearer ${endpoint.credential}` },
      })
    ).json()) as { updates: string[] };
    expect(updates.updates).toHaveLength(1);
    const next = verifyTrustSetUpdate(Buffer.from(updates.updates[0]!), {
      held,
      expectedOrg: org.id,
    });
    if (!next.ok) throw new Error(next.reason);
    const bundle = Buffer.from(await (await pull(b, endpoint)).arrayBuffer());
    const result = verifyBundle(bundle, {
      trustSet: next.trustSet,
      expectedOrg: org.id,
      expectedSubject: { userId: endpoint.userId, endpointId: endpoint.endpointId },
      heldVersion: 1,
    });
    expect(result).toMatchObject({
      ok: true,
      bundle: { version: 2, keyId: rotated.data!.rotateSigningKey.keyId },
    });
  });

  it('keeps each endpoint’s last ten bundles and shows how far a publish reached, by device name', async () => {
    const org = await organization();
    await user(org.id, 'erin@example.com');
    await user(org.id, 'finn@example.com');
    const device = async (userName: string, deviceName: string) => {
      const response = await enrol(org.token, { user: userName, deviceName });
      expect(response.status).toBe(201);
      return (await response.json()) as Enrolled;
    };
    const laptop = await device('erin@example.com', 'laptop');
    const atlas = await device('finn@example.com', 'Atlas');
    const basalt = await device('finn@example.com', 'Basalt');
    await device('erin@example.com', 'Zephyr');
    const gone = await device('erin@example.com', 'Gone');
    const owner = await signInAdmin(a, org.id, 'owner');
    // Every rotation signs a new version for every endpoint: 12 with the first.
    for (let rotation = 0; rotation < 11; rotation++) {
      const rotated = await graphql(a, owner, 'mutation { rotateSigningKey { keyId } }');
      expect(rotated.errors).toBeUndefined();
    }
    const kept = await a.prisma.policyBundle.findMany({
      where: { organizationId: org.id, endpointId: laptop.endpointId },
      select: { version: true },
      orderBy: { version: 'asc' },
    });
    expect(kept.map((bundle) => bundle.version)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);

    const report = (endpoint: Enrolled, body: Record<string, unknown>) =>
      fetch(`${a.url}/api/v1/endpoints/status`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${endpoint.credential}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ trustSetVersion: 1, errors: [], ...body }),
      });
    for (const endpoint of [laptop, atlas]) {
      const refused = { bundleVersion: 11, verified: false, reason: 'unknown-key' };
      expect((await report(endpoint, refused)).status).toBe(204);
    }
    expect((await report(basalt, { bundleVersion: 12, verified: true })).status).toBe(204);
    const revoked = await graphql(
      a,
      owner,
      'mutation($id: ID!) { revokeEndpoint(id: $id) { id } }',
      {
        id: gone.endpointId,
      },
    );
    expect(revoked.errors).toBeUndefined();

    const publishes = await graphql<{ bundlePublishes: { id: string; subjectCount: number }[] }>(
      a,
      owner,
      '{ bundlePublishes(first: 1) { id subjectCount } }',
    );
    const publish = publishes.data!.bundlePublishes[0]!;
    expect(publish.subjectCount).toBe(5);
    const rollout = await graphql<{ bundleRollout: unknown }>(
      a,
      owner,
      `
        query ($id: ID!) {
          bundleRollout(publishId: $id) {
            publish {
              id
            }
            total
            current
            behind
            failed {
              endpointId
              deviceName
              userId
              version
              reportedReason
            }
          }
        }
      `,
      { id: publish.id },
    );
    expect(rollout.errors).toBeUndefined();
    const failed = (endpoint: Enrolled, deviceName: string) => ({
      endpointId: endpoint.endpointId,
      deviceName,
      userId: endpoint.userId,
      version: 12,
      reportedReason: 'unknown-key',
    });
    // The revoked endpoint is left out; Zephyr has not reported yet.
    expect(rollout.data?.bundleRollout).toEqual({
      publish: { id: publish.id },
      total: 4,
      current: 1,
      behind: 1,
      failed: [failed(atlas, 'Atlas'), failed(laptop, 'laptop')],
    });
  });

  describe('endpoint spend settings', () => {
    const SPEND_FIELDS = 'leaseRequired maxLeaseUsd offlineAllowanceUsd';
    const SET_SPEND = `mutation($input: EndpointSpendSettingsInput!) {
      setEndpointSpendSettings(input: $input) { ${SPEND_FIELDS} } }`;

    function spendOf(endpoint: Enrolled, body: Buffer, heldVersion = 0) {
      const result = verify(endpoint, body, heldVersion);
      if (!result.ok) throw new Error(`bundle refused: ${result.reason}`);
      return { version: result.bundle.version, spend: result.bundle.spend };
    }

    it('signs the defaults, republishes the organization on a change, and refuses bad values with nothing changed', async () => {
      const org = await organization();
      const other = await organization();
      await user(org.id, 'erin@example.com');
      await user(other.id, 'frank@example.com');
      const endpoint = await enrolled(org.token, 'erin@example.com');
      const outsider = await enrolled(other.token, 'frank@example.com');
      const first = await pull(a, endpoint);
      const etag = first.headers.get('etag')!;
      expect(spendOf(endpoint, Buffer.from(await first.arrayBuffer()))).toEqual({
        version: 1,
        spend: { leaseRequired: true, maxLeaseUsd: 1, offlineAllowanceUsd: 0 },
      });
      const admin = await signInAdmin(a, org.id, 'admin');
      const defaults = await graphql(a, admin, `{ endpointSpendSettings { ${SPEND_FIELDS} } }`);
      expect(defaults.data).toEqual({
        endpointSpendSettings: { leaseRequired: true, maxLeaseUsd: '1', offlineAllowanceUsd: '0' },
      });

      const refused: [Record<string, unknown>, string][] = [
        [{ maxLeaseUsd: '0' }, 'maxLeaseUsd'],
        [{ maxLeaseUsd: '-1' }, 'maxLeaseUsd'],
        [{ maxLeaseUsd: '1e2' }, 'maxLeaseUsd'],
        [{ maxLeaseUsd: '0.1234567' }, 'maxLeaseUsd'],
        [{ maxLeaseUsd: '100.000001' }, 'maxLeaseUsd'],
        [{ offlineAllowanceUsd: '-0.5' }, 'offlineAllowanceUsd'],
        [{ offlineAllowanceUsd: '1000.01' }, 'offlineAllowanceUsd'],
        // Below one lease, no offline call could ever fit the allowance.
        [{ offlineAllowanceUsd: '0.5' }, 'offlineAllowanceUsd'],
      ];
      for (const [change, field] of refused) {
        const input = {
          leaseRequired: true,
          maxLeaseUsd: '1',
          offlineAllowanceUsd: '0',
          ...change,
        };
        const result = await graphql(a, admin, SET_SPEND, { input });
        expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      }
      const auditor = await signInAdmin(a, org.id, 'auditor');
      const billing = await signInAdmin(a, org.id, 'billing');
      for (const session of [auditor, billing]) {
        const input = { leaseRequired: false, maxLeaseUsd: '2', offlineAllowanceUsd: '0' };
        const result = await graphql(a, session, SET_SPEND, { input });
        expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      }
      // Billing reads what endpoints are held to, as the Spend screen shows it.
      const read = await graphql(
        a,
        billing,
        `
          {
            endpointSpendSettings {
              maxLeaseUsd
            }
          }
        `,
      );
      expect(read.data).toEqual({ endpointSpendSettings: { maxLeaseUsd: '1' } });
      expect((await pull(b, endpoint, { 'if-none-match': etag })).status).toBe(304);
      const audited = () =>
        a.prisma.auditEvent.findMany({
          where: { organizationId: org.id, action: 'governance.endpoint_spend.changed' },
          select: { actorId: true, data: true },
        });
      expect(await audited()).toEqual([]);

      const owner = await signInAdmin(a, org.id, 'owner');
      const input = { leaseRequired: true, maxLeaseUsd: ' 0.250 ', offlineAllowanceUsd: '2.5' };
      const saved = await graphql(a, owner, SET_SPEND, { input });
      expect(saved.errors).toBeUndefined();
      expect(saved.data).toEqual({
        setEndpointSpendSettings: {
          leaseRequired: true,
          maxLeaseUsd: '0.25',
          offlineAllowanceUsd: '2.5',
        },
      });
      const republished = await pull(b, endpoint, { 'if-none-match': etag }, '?wait=30');
      expect(republished.status).toBe(200);
      expect(spendOf(endpoint, Buffer.from(await republished.arrayBuffer()), 1)).toEqual({
        version: 2,
        spend: { leaseRequired: true, maxLeaseUsd: 0.25, offlineAllowanceUsd: 2.5 },
      });
      expect(await audited()).toEqual([
        {
          actorId: expect.any(String),
          data: {
            before: { leaseRequired: true, maxLeaseUsd: '1', offlineAllowanceUsd: '0' },
            after: { leaseRequired: true, maxLeaseUsd: '0.25', offlineAllowanceUsd: '2.5' },
          },
        },
      ]);

      // The other organization keeps its defaults and its bundle.
      await a.jobs.drain();
      await b.jobs.drain();
      const outsiderPull = await pull(a, outsider);
      expect(spendOf(outsider, Buffer.from(await outsiderPull.arrayBuffer()))).toEqual({
        version: 1,
        spend: { leaseRequired: true, maxLeaseUsd: 1, offlineAllowanceUsd: 0 },
      });
      const otherAdmin = await signInAdmin(a, other.id, 'owner');
      const otherSettings = await graphql(
        a,
        otherAdmin,
        `{ endpointSpendSettings { ${SPEND_FIELDS} } }`,
      );
      expect(otherSettings.data).toEqual({
        endpointSpendSettings: { leaseRequired: true, maxLeaseUsd: '1', offlineAllowanceUsd: '0' },
      });
    });
  });
});
