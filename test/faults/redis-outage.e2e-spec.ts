import type { VerifiedBundle } from '@steward/policy';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { startTestApi, TEST_SECRET_KEY } from '../support/api';
import { pollBundleUntil, pullBundle } from '@steward/testing';
import type { HeldBundle } from '@steward/testing';
import { createFleet, startDeployment } from '../support/fleet';
import type { Deployment, Fleet, FleetEndpoint } from '../support/fleet';
import { startOwnRedis } from '@steward/testing';
import type { OwnRedis } from '@steward/testing';
import { buildOnce } from '@steward/testing';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

async function redisAnswers(url: string): Promise<boolean> {
  const probe = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

// Changes committed while Redis is down (on a Redis of this test's own, under two API processes and
// a worker) still reach every endpoint they affect, with Redis still down: the change and its
// propagation record commit together, the worker's dispatcher finds the record by polling the
// database, and the API processes wake the held long-polls from their database poll.
describe('a Redis outage under two API processes and a worker', () => {
  let redis: OwnRedis;
  let deployment: Deployment;
  let fleet: Fleet;
  const queuePrefix = `steward-redis-outage-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    await buildOnce();
    redis = await startOwnRedis();
    const env = { REDIS_URL: redis.url, STEWARD_QUEUE_PREFIX: queuePrefix };
    const setup = await startTestApi({ ...env, STEWARD_SECRET_KEY: TEST_SECRET_KEY });
    try {
      fleet = await createFleet(setup, setup.url, [
        'alice@outage.example',
        'bob@outage.example',
        'carol@outage.example',
        'dave@outage.example',
      ]);
    } finally {
      await setup.close();
    }
    deployment = await startDeployment({
      databaseUrl: process.env.DATABASE_URL!,
      redisUrl: redis.url,
      queuePrefix,
      secretKey: TEST_SECRET_KEY,
    });
  }, 180_000);

  afterAll(async () => {
    await deployment?.stop();
    await redis?.stop();
  }, 60_000);

  const [alice, bob, carol, dave] = [0, 1, 2, 3].map(
    (i) => () => fleet.endpoints[i]! as FleetEndpoint,
  );

  async function graphql(base: string, query: string, variables: Record<string, unknown> = {}) {
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: fleet.adminHeaders,
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  function scim(base: string, method: string, path: string, body?: unknown) {
    return fetch(`${base}/scim/v2${path}`, {
      method,
      headers: {
        authorization: `Bearer ${fleet.scimToken}`,
        'content-type': 'application/scim+json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  // The status of a bundle pull with `credential` once it is `expected`, or the last one seen.
  async function statusWithin(base: string, credential: string, expected: number, ms: number) {
    const deadline = Date.now() + ms;
    for (;;) {
      const response = await fetch(`${base}/api/v1/endpoints/bundle`, {
        headers: { authorization: `Bearer ${credential}` },
      });
      await response.arrayBuffer();
      if (response.status === expected || Date.now() > deadline) return response.status;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  const grants = (capability: string) => (bundle: VerifiedBundle) =>
    bundle.access === 'granted' &&
    (bundle.policy.capabilities as Record<string, unknown>)[capability] !== undefined;
  const revoked = (bundle: VerifiedBundle) => bundle.access === 'revoked';

  it('delivers a role change, a deactivation and a deletion to every affected endpoint while Redis stays down', async () => {
    const [first, second] = deployment.apis.map((api) => api.url) as [string, string];
    const org = fleet.organizationId;

    // Before the outage: a role granting the agent, bound to Alice, Bob and Carol.
    const created = await graphql(
      first,
      `
        mutation {
          createRole(input: { name: "Analysts", capabilities: ["agent"] }) {
            id
          }
        }
      `,
    );
    const roleId = (created.body.data as { createRole: { id: string } }).createRole.id;
    for (const endpoint of [alice(), bob(), carol()]) {
      const bound = await graphql(
        first,
        `
          mutation ($role: ID!, $user: ID!) {
            bindRole(roleId: $role, subjectType: user, subjectId: $user) {
              id
            }
          }
        `,
        { role: roleId, user: endpoint.userId },
      );
      expect(bound.body.errors).toBeUndefined();
    }
    const before = new Map<string, HeldBundle>();
    for (const endpoint of [alice(), bob(), carol()]) {
      const start = await pullBundle(first, org, endpoint);
      before.set(
        endpoint.userName,
        await pollBundleUntil(first, org, endpoint, start, grants('agent')),
      );
    }
    const daveBefore = await pullBundle(second, org, dave());

    // Long-polls held on both API processes as Redis goes away.
    const abort = new AbortController();
    const aliceSees = pollBundleUntil(
      second,
      org,
      alice(),
      before.get(alice().userName)!,
      grants('shell'),
      abort.signal,
    );
    const bobSees = pollBundleUntil(
      first,
      org,
      bob(),
      before.get(bob().userName)!,
      revoked,
      abort.signal,
    );
    const carolSees = pollBundleUntil(
      second,
      org,
      carol(),
      before.get(carol().userName)!,
      revoked,
      abort.signal,
    );
    await redis.stop();
    expect(await redisAnswers(redis.url)).toBe(false);

    try {
      // The changes, each answered as a success although Redis is down.
      const updated = await graphql(
        first,
        `
          mutation ($id: ID!) {
            updateRole(id: $id, input: { name: "Analysts", capabilities: ["agent", "shell"] }) {
              id
            }
          }
        `,
        { id: roleId },
      );
      expect([updated.status, updated.body.errors]).toEqual([200, undefined]);
      const deactivated = await scim(second, 'PATCH', `/Users/${bob().userId}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', value: { active: false } }],
      });
      expect(deactivated.status).toBe(200);
      const deleted = await scim(first, 'DELETE', `/Users/${carol().userId}`);
      expect(deleted.status).toBe(204);

      // Every affected endpoint receives its new or revoked bundle, judged by what it pulled.
      const [aliceNow, bobNow, carolNow] = await Promise.all([aliceSees, bobSees, carolSees]);
      expect(aliceNow.bundle.policy.capabilities).toMatchObject({
        agent: expect.anything(),
        shell: expect.anything(),
      });
      expect(aliceNow.bundle.version).toBe(before.get(alice().userName)!.bundle.version + 1);
      expect(bobNow.bundle).toMatchObject({ access: 'revoked' });
      expect(bobNow.bundle.policy.capabilities).toEqual({});
      expect(carolNow.bundle).toMatchObject({ access: 'revoked' });
      expect(carolNow.bundle.policy.capabilities).toEqual({});
      // A short pull of each sees the same on the other process.
      expect((await pullBundle(first, org, alice())).bundle.version).toBe(aliceNow.bundle.version);
      expect((await pullBundle(second, org, bob())).bundle.access).toBe('revoked');
      // Dave was not affected: his bundle did not change.
      expect((await pullBundle(first, org, dave())).etag).toBe(daveBefore.etag);
      // Revoking his endpoint is answered as done, and both processes refuse its credential once
      // their cache of it runs out (the message that would have told them at once is lost).
      const revokedEndpoint = await graphql(
        second,
        `
          mutation ($id: ID!) {
            revokeEndpoint(id: $id) {
              id
            }
          }
        `,
        { id: dave().endpointId },
      );
      expect([revokedEndpoint.status, revokedEndpoint.body.errors]).toEqual([200, undefined]);
      for (const base of [first, second]) {
        expect(await statusWithin(base, dave().credential, 401, 15_000)).toBe(401);
      }
      // All of it with Redis still down.
      expect(await redisAnswers(redis.url)).toBe(false);
    } finally {
      abort.abort();
      await Promise.allSettled([aliceSees, bobSees, carolSees]);
      await redis.start();
    }

    // Redis is back: a change reaches Alice through it again, and no process died on the way.
    const aliceHeld = await pullBundle(second, org, alice());
    const afterOutage = pollBundleUntil(second, org, alice(), aliceHeld, grants('web'));
    const again = await graphql(
      first,
      `
        mutation ($id: ID!) {
          updateRole(
            id: $id
            input: { name: "Analysts", capabilities: ["agent", "shell", "web"] }
          ) {
            id
          }
        }
      `,
      { id: roleId },
    );
    expect(again.body.errors).toBeUndefined();
    expect((await afterOutage).bundle.access).toBe('granted');
    for (const process of deployment.processes) {
      expect(process.child.exitCode).toBeNull();
    }
  }, 120_000);
});
