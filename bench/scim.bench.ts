// npm run bench -- scim
// Issue 3's figures, through the real API (NestJS + Fastify, Postgres, Redis):
// 1. `userName eq` filter p50 at 1,000 and at 100,000 users in one organization (seeded with SQL),
//    and their ratio (goal ≤ 1.5×: an index lookup, not a scan).
// 2. Users created over HTTP per second, 10,000 users (goal ≥ 300/s).
// 3. One group PATCH adding 5,000 members (goal < 2 s).
import { CredentialsService } from '../apps/admin-api/src/modules/credentials/credentials.service';
import { OrganizationsService } from '../apps/admin-api/src/modules/organizations/organizations.service';
import { PrismaService } from '../apps/admin-api/src/platform/database/prisma.service';
import { dropTestDatabase } from '../test/support/test-database';
import { benchEnvironment, listenOnLoopback } from './support';
import { reportResult } from './result';

const FILTER_SAMPLES = 300;
// SCIM_BENCH_CREATE_USERS runs a shorter create phase while iterating on a loaded machine.
const CREATE_USERS = Number(process.env.SCIM_BENCH_CREATE_USERS ?? 10_000);
const CREATE_CONCURRENCY = 32;
const GROUP_MEMBERS = 5_000;

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const { database, app } = await benchEnvironment('steward_bench');
  const base = `${await listenOnLoopback(app)}/scim/v2`;
  const prisma = app.get(PrismaService);
  try {
    const organizations = app.get(OrganizationsService);
    const credentials = app.get(CredentialsService);
    const token = async (name: string) => {
      const organization = await organizations.create(name, { type: 'operator' });
      const { secret } = await credentials.issue(organization.id, 'scim', {
        actor: { type: 'operator' },
      });
      return {
        organizationId: organization.id,
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/scim+json' },
      };
    };
    const call = async (
      headers: Record<string, string>,
      method: string,
      path: string,
      body?: unknown,
    ) => {
      const response = await fetch(`${base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (response.status >= 300)
        throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 200)}`);
      return JSON.parse(text);
    };

    // 1. userName eq at 1,000 and 100,000 users.
    const seeded = await token('Bench filter');
    const seed = async (from: number, to: number) => {
      await prisma.$executeRawUnsafe(
        `INSERT INTO "DirectoryUser" ("id", "organizationId", "userName", "userNameLower", "displayName", "active")
         SELECT gen_random_uuid(), $1::uuid, 'Seed' || g || '@Example.com', 'seed' || g || '@example.com', 'Seed ' || g, true
         FROM generate_series($2::int, $3::int) AS g`,
        seeded.organizationId,
        from,
        to,
      );
      await prisma.$executeRawUnsafe('ANALYZE "DirectoryUser"');
    };
    const filterP50 = async (population: number) => {
      const samples: number[] = [];
      for (let index = 0; index < FILTER_SAMPLES + 20; index++) {
        const n = 1 + ((index * 7919) % population);
        const filter = encodeURIComponent(`userName eq "SEED${n}@example.com"`);
        const started = performance.now();
        const body = await call(seeded.headers, 'GET', `/Users?filter=${filter}`);
        if (index >= 20) samples.push(performance.now() - started); // the first 20 warm up
        if (body.totalResults !== 1) throw new Error(`expected one user seed${n}`);
      }
      return percentile(samples, 50);
    };
    await seed(1, 1_000);
    const small = await filterP50(1_000);
    await seed(1_001, 100_000);
    const large = await filterP50(100_000);

    // 2. Creating users over HTTP.
    const creator = await token('Bench create');
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CREATE_CONCURRENCY }, async () => {
        while (next < CREATE_USERS) {
          const n = next++;
          await call(creator.headers, 'POST', '/Users', {
            schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
            userName: `created${n}@example.com`,
            name: { givenName: 'Bench', familyName: `User ${n}` },
            emails: [{ value: `created${n}@example.com`, type: 'work', primary: true }],
            externalId: `ext-${n}`,
            active: true,
          });
        }
      }),
    );
    const createSeconds = (performance.now() - started) / 1000;
    const usersPerSecond = CREATE_USERS / createSeconds;

    // 3. One PATCH adding 5,000 members.
    const members = await prisma.directoryUser.findMany({
      where: { organizationId: seeded.organizationId },
      select: { id: true },
      take: GROUP_MEMBERS,
    });
    const group = await call(seeded.headers, 'POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Everyone',
    });
    const patchStarted = performance.now();
    await call(seeded.headers, 'PATCH', `/Groups/${group.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        { op: 'add', path: 'members', value: members.map((member) => ({ value: member.id })) },
      ],
    });
    const patchSeconds = (performance.now() - patchStarted) / 1000;
    const stored = await prisma.directoryGroupMember.count({ where: { groupId: group.id } });
    if (stored !== GROUP_MEMBERS)
      throw new Error(`expected ${GROUP_MEMBERS} members, found ${stored}`);

    const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');
    reportResult({
      figure: 'SCIM userName eq p50 at 100,000 users',
      value: large,
      unit: 'ms',
      peer: 'same at 1,000 users',
      peerValue: small,
      ratio: large / small,
      goal: 'ratio ≤ 1.5',
      met: large / small <= 1.5,
    });
    reportResult({
      figure: `SCIM create users over HTTP (${CREATE_CONCURRENCY} concurrent)`,
      value: usersPerSecond,
      unit: 'users/s',
      goal: '≥ 300 users/s',
      met: usersPerSecond >= 300,
    });
    reportResult({
      figure: `SCIM PATCH adding ${GROUP_MEMBERS} group members`,
      value: patchSeconds,
      unit: 's',
      goal: '< 2 s',
      met: patchSeconds < 2,
    });
    console.log(`userName eq p50 at 1,000 users:   ${small.toFixed(2)} ms`);
    console.log(`userName eq p50 at 100,000 users: ${large.toFixed(2)} ms`);
    console.log(
      `ratio 100k / 1k: ${(large / small).toFixed(2)}x (goal <= 1.5x) ${verdict(large / small <= 1.5)}`,
    );
    console.log(
      `create ${CREATE_USERS} users over HTTP (${CREATE_CONCURRENCY} concurrent): ${createSeconds.toFixed(1)} s, ` +
        `${usersPerSecond.toFixed(0)} users/s (goal >= 300/s) ${verdict(usersPerSecond >= 300)}`,
    );
    console.log(
      `PATCH adding ${GROUP_MEMBERS} members: ${patchSeconds.toFixed(2)} s (goal < 2 s) ${verdict(patchSeconds < 2)}`,
    );
  } finally {
    await app.close();
    await dropTestDatabase(database.name);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
