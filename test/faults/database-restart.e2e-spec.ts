import { createEvent } from '@steward/telemetry';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { startTestApi, TEST_SECRET_KEY } from '../support/api';
import type { TestApi } from '../support/api';
import { createFleet, startDeployment } from '../support/fleet';
import type { Deployment, Fleet } from '../support/fleet';
import { databaseAnswers, startOwnPostgres } from '@steward/testing';
import type { OwnPostgres } from '@steward/testing';
import { buildOnce } from '@steward/testing';

interface Answer {
  label: string;
  status: number | 'network error';
  retryAfter: string | null;
  type: string;
  body: Record<string, unknown>;
}

// A restart of Postgres under the production shape (two API processes and a worker, on a cluster
// of this test's own): no process exits, the requests it interrupts are answered 503 with
// Retry-After in their own protocol's shape, and everything works once it is back.
describe('a Postgres restart under two API processes and a worker', () => {
  let postgres: OwnPostgres;
  let deployment: Deployment;
  let fleet: Fleet;
  let databaseUrl: string;
  const queuePrefix = `steward-restart-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    await buildOnce();
    postgres = await startOwnPostgres();
    const admin = new Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query('CREATE DATABASE steward');
    await admin.end();
    databaseUrl = postgres.url.replace(/\/postgres$/, '/steward');
    const env = { DATABASE_URL: databaseUrl, STEWARD_QUEUE_PREFIX: queuePrefix };
    const setup: TestApi = await startTestApi({ ...env, STEWARD_SECRET_KEY: TEST_SECRET_KEY });
    try {
      fleet = await createFleet(setup, setup.url, ['alice@restart.example']);
    } finally {
      await setup.close();
    }
    deployment = await startDeployment({
      databaseUrl,
      redisUrl: process.env.REDIS_URL!,
      queuePrefix,
      secretKey: TEST_SECRET_KEY,
    });
  }, 180_000);

  afterAll(async () => {
    await deployment?.stop();
    await postgres?.destroy();
  });

  const endpoint = () => fleet.endpoints[0]!;

  async function call(
    label: string,
    url: string,
    init: RequestInit & { headers?: Record<string, string> },
  ): Promise<Answer> {
    try {
      const response = await fetch(url, init);
      const text = await response.text();
      return {
        label,
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        type: response.headers.get('content-type') ?? '',
        body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      };
    } catch {
      return { label, status: 'network error', retryAfter: null, type: '', body: {} };
    }
  }

  // One request of each protocol to `base`: SCIM, GraphQL (the console), and the endpoint
  // protocol's spend lease, event upload and bundle pull.
  function everyProtocol(base: string): Promise<Answer[]> {
    const ep = { authorization: `Bearer ${endpoint().credential}` };
    return Promise.all([
      call('scim', `${base}/scim/v2/Users?count=5`, {
        headers: { authorization: `Bearer ${fleet.scimToken}` },
      }),
      call('graphql', `${base}/graphql`, {
        method: 'POST',
        headers: fleet.adminHeaders,
        body: JSON.stringify({ query: '{ roles { id } }' }),
      }),
      call('lease', `${base}/api/v1/endpoints/spend/leases`, {
        method: 'POST',
        headers: { ...ep, 'content-type': 'application/json' },
        body: JSON.stringify({ amountUsd: '0.01', model: 'claude-sonnet-4-5' }),
      }),
      call('events', `${base}/api/v1/endpoints/events`, {
        method: 'POST',
        headers: { ...ep, 'content-type': 'application/json' },
        body: JSON.stringify({
          events: [
            createEvent(
              {
                organizationId: fleet.organizationId,
                userId: endpoint().userId,
                endpointId: endpoint().endpointId,
                sessionId: 'restart-session',
              },
              { type: 'file.read', path: '/Users/alice/notes.md', bytes: 10 },
            ),
          ],
        }),
      }),
      call('bundle', `${base}/api/v1/endpoints/bundle`, { headers: ep }),
    ]);
  }

  const OK_STATUS: Record<string, number[]> = {
    scim: [200],
    graphql: [200],
    lease: [201],
    events: [200],
    bundle: [200],
  };

  function expectOk(answer: Answer): void {
    const ok =
      typeof answer.status === 'number' &&
      OK_STATUS[answer.label]!.includes(answer.status) &&
      !answer.body.errors;
    expect({ ...answer, ok }).toEqual({ ...answer, ok: true });
  }

  // An answer given while the database was away: its normal success (served from what the process
  // holds), or 503 with Retry-After in the protocol's own error document.
  function expectServedOrUnavailable(answer: Answer): void {
    const served =
      typeof answer.status === 'number' &&
      OK_STATUS[answer.label]!.includes(answer.status) &&
      !answer.body.errors;
    if (served) return;
    expect(answer).toEqual({
      ...answer,
      status: 503,
      retryAfter: expect.stringMatching(/^\d+$/) as unknown,
    });
    if (answer.label === 'scim') {
      expect(answer.type).toMatch(/application\/scim\+json/);
      expect(answer.body).toMatchObject({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
        status: '503',
      });
    } else if (answer.label === 'graphql') {
      expect(answer.body).toMatchObject({
        data: null,
        errors: [{ extensions: { code: 'SERVICE_UNAVAILABLE' } }],
      });
    } else {
      expect(answer.type).toMatch(/application\/problem\+json/);
      expect(answer.body).toMatchObject({ status: 503, code: 'service_unavailable' });
    }
  }

  it('answers 503 with Retry-After while it is away, keeps every process up, and works after', async () => {
    const bases = deployment.apis.map((api) => api.url);
    for (const base of bases) (await everyProtocol(base)).forEach(expectOk);
    const etag = (await fetch(`${bases[0]}/api/v1/endpoints/bundle`, {
      headers: { authorization: `Bearer ${endpoint().credential}` },
    }).then((r) => r.headers.get('etag')))!;

    // Long-polls held on both processes across the restart.
    const held = bases.map((base, i) =>
      call(`long-poll ${i}`, `${base}/api/v1/endpoints/bundle?wait=8`, {
        headers: { authorization: `Bearer ${endpoint().credential}`, 'if-none-match': etag },
      }),
    );
    // Requests in flight as the server goes down, then requests while it is down.
    const inFlight = bases.map((base) => everyProtocol(base));
    await postgres.stop();
    const whileDown = await Promise.all(bases.map((base) => everyProtocol(base)));
    for (const answer of [...(await Promise.all(inFlight)).flat(), ...whileDown.flat()]) {
      expectServedOrUnavailable(answer);
    }
    // Asked while the database was away: 503, not an answer from a stale memory.
    for (const answers of whileDown) {
      for (const answer of answers.filter((a) => a.label === 'scim' || a.label === 'graphql')) {
        expect([answer.label, answer.status]).toEqual([answer.label, 503]);
      }
    }

    await postgres.start();
    expect(await databaseAnswers(postgres.url)).toBe(true);
    for (const base of bases) (await everyProtocol(base)).forEach(expectOk);
    // Every held long-poll was answered (304 at its end, or 503 if it ended while the database
    // was away), none dropped.
    for (const poll of await Promise.all(held)) {
      expect([poll.label, poll.status === 304 || poll.status === 503]).toEqual([poll.label, true]);
    }
    for (const process of deployment.processes) {
      expect(process.child.exitCode).toBeNull();
      expect(process.child.signalCode).toBeNull();
    }

    // The worker's jobs run again: a role bound to Alice reaches her endpoint as a new bundle.
    const role = await call('create role', `${bases[0]}/graphql`, {
      method: 'POST',
      headers: fleet.adminHeaders,
      body: JSON.stringify({
        query: `mutation { createRole(input: { name: "After restart", capabilities: ["agent"] }) { id } }`,
      }),
    });
    const roleId = (role.body.data as { createRole: { id: string } }).createRole.id;
    const woken = call('long-poll after', `${bases[1]}/api/v1/endpoints/bundle?wait=30`, {
      headers: { authorization: `Bearer ${endpoint().credential}`, 'if-none-match': etag },
    });
    const bind = await call('bind role', `${bases[0]}/graphql`, {
      method: 'POST',
      headers: fleet.adminHeaders,
      body: JSON.stringify({
        query: `mutation($role: ID!, $user: ID!) { bindRole(roleId: $role, subjectType: user, subjectId: $user) { id } }`,
        variables: { role: roleId, user: endpoint().userId },
      }),
    });
    expect(bind.body.errors).toBeUndefined();
    expect((await woken).status).toBe(200);
  }, 120_000);

  // Run after the restart, on the same processes: a database error that is not an outage (here, a
  // table renamed under the running API) is a bug, answered 500 with a generic message and a
  // correlation id, and logged at `error` (the default level shows it) with that id and the cause.
  it('answers an unexpected error with a correlation id on every transport, never its internals', async () => {
    const base = deployment.apis[0]!.url;
    const database = new Client({ connectionString: databaseUrl });
    await database.connect();
    const tables = ['DirectoryUser', 'GovernanceRole', 'SpendLease'];
    try {
      for (const table of tables) {
        await database.query(`ALTER TABLE "${table}" RENAME TO "${table}Hidden"`);
      }
      const answers = await everyProtocol(base);
      const enrol = await call('enrol', `${base}/api/v1/endpoints/enrol`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${fleet.enrolmentToken}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          user: 'bob@restart.example',
          deviceName: 'bob',
          os: 'linux',
          runtimeVersion: '0.1.0',
        }),
      });
      const failed = [
        ...answers.filter((a) => ['scim', 'graphql', 'lease'].includes(a.label)),
        enrol,
      ];
      const output = () => deployment.apis.map((api) => api.output()).join('\n');
      for (const answer of failed) {
        const text = JSON.stringify(answer.body);
        expect({
          label: answer.label,
          leaks: /Hidden|does not exist|Prisma|\.[jt]s:\d/.test(text),
        }).toEqual({
          label: answer.label,
          leaks: false,
        });
        const correlationId = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/.exec(
          text,
        )?.[0];
        expect({ label: answer.label, status: answer.status, correlationId }).toEqual({
          label: answer.label,
          status: answer.label === 'graphql' ? 200 : 500,
          correlationId: expect.any(String) as unknown,
        });
        const log = output();
        const line = log.split('\n').find((l) => l.includes(`[${correlationId}]`)) ?? '';
        expect({ label: answer.label, line: /ERROR/.test(line) }).toEqual({
          label: answer.label,
          line: true,
        });
        const logged = log.slice(log.indexOf(`[${correlationId}]`)).slice(0, 4000);
        expect(logged).toMatch(/does not exist/);
      }
      const graphql = failed.find((a) => a.label === 'graphql')!;
      expect(graphql.body).toMatchObject({
        errors: [{ extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
      });
      const scim = failed.find((a) => a.label === 'scim')!;
      expect(scim.body).toMatchObject({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
        status: '500',
      });
      for (const problem of failed.filter((a) => a.label === 'lease' || a.label === 'enrol')) {
        expect(problem.body).toMatchObject({ status: 500, code: 'internal_error' });
      }
    } finally {
      for (const table of tables) {
        await database.query(`ALTER TABLE IF EXISTS "${table}Hidden" RENAME TO "${table}"`);
      }
      await database.end();
    }
  });
});
