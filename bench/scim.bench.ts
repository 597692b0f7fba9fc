// npm run bench -- scim
// Issue 3's figures, through the real API (NestJS + Fastify, Postgres, Redis):
// 1. `userName eq` filter p50 at 1,000 and at 100,000 users in one organization (seeded with SQL),
//    and their ratio (goal ≤ 1.5×: an index lookup, not a scan).
// 2. Users created over HTTP per second, 10,000 users (goal ≥ 300/s).
// 3. One group PATCH adding 5,000 members (goal < 2 s).
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { CredentialsService } from '../apps/admin-api/src/modules/credentials/credentials.service';
import { OrganizationsService } from '../apps/admin-api/src/modules/organizations/organizations.service';
import { PrismaService } from '../apps/admin-api/src/platform/database/prisma.service';
import { dropTestDatabase } from '@steward/testing';
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

type Headers = Record<string, string>;
// The fields of SCIM answers the benchmark reads.
interface ScimBody {
  id: string;
  totalResults: number;
}
type Call = (headers: Headers, method: string, path: string, body?: unknown) => Promise<ScimBody>;

interface Bench {
  prisma: PrismaService;
  call: Call;
  // A new organization with a SCIM token, and the headers an IdP sends with it.
  organization(name: string): Promise<{ organizationId: string; headers: Headers }>;
}

function benchOn(app: NestFastifyApplication, base: string): Bench {
  const organizations = app.get(OrganizationsService);
  const credentials = app.get(CredentialsService);
  return {
    prisma: app.get(PrismaService),
    async organization(name) {
      const organization = await organizations.create(name, { type: 'operator' });
      const { secret } = await credentials.issue(organization.id, 'scim', {
        actor: { type: 'operator' },
      });
      return {
        organizationId: organization.id,
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/scim+json' },
      };
    },
    async call(headers, method, path, body) {
      const response = await fetch(`${base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (response.status >= 300)
        throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 200)}`);
      return JSON.parse(text) as ScimBody;
    },
  };
}

// 1. userName eq p50 at 1,000 and at 100,000 users of one organization, seeded with SQL.
async function filterFigures(bench: Bench, seeded: { organizationId: string; headers: Headers }) {
  const seed = async (from: number, to: number) => {
    await bench.prisma.$executeRawUnsafe(
      `INSERT INTO "DirectoryUser" ("id", "organizationId", "userName", "userNameLower", "displayName", "active")
       SELECT gen_random_uuid(), $1::uuid, 'Seed' || g || '@Example.com', 'seed' || g || '@example.com', 'Seed ' || g, true
       FROM generate_series($2::int, $3::int) AS g`,
      seeded.organizationId,
      from,
      to,
    );
    await bench.prisma.$executeRawUnsafe('ANALYZE "DirectoryUser"');
  };
  const filterP50 = async (population: number) => {
    const samples: number[] = [];
    for (let index = 0; index < FILTER_SAMPLES + 20; index++) {
      const n = 1 + ((index * 7919) % population);
      const filter = encodeURIComponent(`userName eq "SEED${n}@example.com"`);
      const started = performance.now();
      const body = await bench.call(seeded.headers, 'GET', `/Users?filter=${filter}`);
      if (index >= 20) samples.push(performance.now() - started); // the first 20 warm up
      if (body.totalResults !== 1) throw new Error(`expected one user seed${n}`);
    }
    return percentile(samples, 50);
  };
  await seed(1, 1_000);
  const small = await filterP50(1_000);
  await seed(1_001, 100_000);
  const large = await filterP50(100_000);
  return { small, large };
}

// 2. Users created over HTTP, CREATE_CONCURRENCY at a time, as an IdP's first sync does.
async function createFigure(bench: Bench) {
  const creator = await bench.organization('Bench create');
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CREATE_CONCURRENCY }, async () => {
      while (next < CREATE_USERS) {
        const n = next++;
        await bench.call(creator.headers, 'POST', '/Users', {
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
  const seconds = (performance.now() - started) / 1000;
  return { seconds, usersPerSecond: CREATE_USERS / seconds };
}

// 3. One group PATCH adding GROUP_MEMBERS members of the seeded organization.
async function patchFigure(bench: Bench, seeded: { organizationId: string; headers: Headers }) {
  const members = await bench.prisma.directoryUser.findMany({
    where: { organizationId: seeded.organizationId },
    select: { id: true },
    take: GROUP_MEMBERS,
  });
  const group = await bench.call(seeded.headers, 'POST', '/Groups', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    displayName: 'Everyone',
  });
  const started = performance.now();
  await bench.call(seeded.headers, 'PATCH', `/Groups/${group.id}`, {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [
      { op: 'add', path: 'members', value: members.map((member) => ({ value: member.id })) },
    ],
  });
  const seconds = (performance.now() - started) / 1000;
  const stored = await bench.prisma.directoryGroupMember.count({ where: { groupId: group.id } });
  if (stored !== GROUP_MEMBERS)
    throw new Error(`expected ${GROUP_MEMBERS} members, found ${stored}`);
  return seconds;
}

function report(
  filter: { small: number; large: number },
  create: { seconds: number; usersPerSecond: number },
  patchSeconds: number,
): void {
  const { small, large } = filter;
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
    value: create.usersPerSecond,
    unit: 'users/s',
    goal: '≥ 300 users/s',
    met: create.usersPerSecond >= 300,
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
    `create ${CREATE_USERS} users over HTTP (${CREATE_CONCURRENCY} concurrent): ${create.seconds.toFixed(1)} s, ` +
      `${create.usersPerSecond.toFixed(0)} users/s (goal >= 300/s) ${verdict(create.usersPerSecond >= 300)}`,
  );
  console.log(
    `PATCH adding ${GROUP_MEMBERS} members: ${patchSeconds.toFixed(2)} s (goal < 2 s) ${verdict(patchSeconds < 2)}`,
  );
}

async function main(): Promise<void> {
  const { database, app } = await benchEnvironment('steward_bench');
  const bench = benchOn(app, `${await listenOnLoopback(app)}/scim/v2`);
  try {
    const seeded = await bench.organization('Bench filter');
    const filter = await filterFigures(bench, seeded);
    const create = await createFigure(bench);
    report(filter, create, await patchFigure(bench, seeded));
  } finally {
    await app.close();
    await dropTestDatabase(database.name);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
