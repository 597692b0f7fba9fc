// npm run bench -- spend
// Lease+settle pairs per second, side by side with pgbench doing a single-row UPDATE on the same
// database, alternated in each round. Three figures for the spend side (goal >= 0.5x of pgbench
// for the first and the third):
//   - through HTTP as the runtime does it: sessions of SESSION_REQUESTS model requests, each lease
//     request carrying the settlement of the session's previous lease, and the session's last
//     lease settled on its own (11 HTTP requests per 10 pairs), against the built API in its own
//     process (endpoint auth, validation, the plain Fastify routes, the batched calls);
//   - through HTTP with every settle on its own (POST /spend/leases then /settle: 2 requests per
//     pair), in the same rounds, for the comparison;
//   - through the service: SpendService.lease + settle in this process (the same SQL, no HTTP).
// Every figure counts lease+settle pairs (a lease and its settlement), never HTTP requests. Every
// lease has its own idempotency key, as the runtime's leases do (the retry of a lost answer).
// Every lease reserves against two hard budgets (the user's and the team's, shared by all users),
// so the team's counter row is as contended as pgbench's single row; concurrent reserves (and
// settles) of one process share one call and one commit (CallBatcher), which is how a pair can
// cost less than two of pgbench's commits.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CredentialsService } from '../apps/admin-api/src/modules/credentials/credentials.service';
import { SpendLimitsService } from '../apps/admin-api/src/modules/spend/spend-limits.service';
import { OrganizationsService } from '../apps/admin-api/src/modules/organizations/organizations.service';
import { SpendService } from '../apps/admin-api/src/modules/spend/spend.service';
import { PrismaService } from '../apps/admin-api/src/platform/database/prisma.service';
import { createHttpApp } from '../apps/admin-api/src/platform/http/http-app';
import { dropTestDatabase } from '@steward/testing';
import { benchEnvironment, endpointClient, spawnBenchApi } from './support';
import { machineLoad, reportResult } from './result';

// As many concurrent users as pgbench has clients: the same concurrency on both sides.
const USERS = 8;
const SECONDS = 10;
const ROUNDS = 3;
const WARMUP_SECONDS = 3;
const PGBENCH_CLIENTS = USERS;
// Model requests per simulated session (each a lease and, later, its settlement).
const SESSION_REQUESTS = 10;
const ACTOR = { type: 'operator' as const, id: 'bench' };

type Nest = Awaited<ReturnType<typeof createHttpApp>>;
interface Endpoint {
  organizationId: string;
  userId: string;
  endpointId: string;
  secret: string;
}

async function fixture(app: Nest): Promise<Endpoint[]> {
  const prisma = app.get(PrismaService);
  const limits = app.get(SpendLimitsService);
  const org = await app.get(OrganizationsService).create('Spend Bench', { type: 'operator' });
  const team = await prisma.directoryGroup.create({
    data: { organizationId: org.id, displayName: 'Everyone' },
  });
  await limits.create(
    org.id,
    {
      subjectType: 'group',
      subjectId: team.id,
      amountUsd: '1000000000',
      period: 'month',
      enforcement: 'hard',
      alertThresholds: [],
    },
    ACTOR,
  );
  const endpoints: Endpoint[] = [];
  for (let i = 0; i < USERS; i++) {
    const user = await prisma.directoryUser.create({
      data: { organizationId: org.id, userName: `user${i}`, userNameLower: `user${i}` },
    });
    await prisma.directoryGroupMember.create({
      data: { organizationId: org.id, groupId: team.id, userId: user.id },
    });
    await limits.create(
      org.id,
      {
        subjectType: 'user',
        subjectId: user.id,
        amountUsd: '1000000',
        period: 'day',
        enforcement: 'hard',
        alertThresholds: [],
      },
      ACTOR,
    );
    const credential = await app
      .get(CredentialsService)
      .issue(org.id, 'endpoint', { actor: { type: 'operator' } });
    const endpoint = await prisma.endpoint.create({
      data: {
        organizationId: org.id,
        userId: user.id,
        credentialId: credential.id,
        deviceName: `bench-${i}`,
        os: 'linux',
        runtimeVersion: '0',
      },
    });
    endpoints.push({
      organizationId: org.id,
      userId: user.id,
      endpointId: endpoint.id,
      secret: credential.secret,
    });
  }
  return endpoints;
}

// Pairs per second; `run` does some pairs (one, or a whole session) and says how many.
async function timed(run: (worker: number) => Promise<number>, seconds = SECONDS): Promise<number> {
  const deadline = Date.now() + seconds * 1000;
  let pairs = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: USERS }, async (_, worker) => {
      while (Date.now() < deadline) {
        // Not `pairs += await run(worker)`: that reads `pairs` before the await and writes it
        // back after, losing what the other workers added meanwhile (it undercounted ~8×).
        const done = await run(worker);
        pairs += done;
      }
    }),
  );
  return pairs / ((Date.now() - started) / 1000);
}

const call = endpointClient(USERS);

// A session as the runtime's spend guard runs it: each lease has its own idempotency key and
// carries the previous settlement; the last lease is settled on its own at the end. Every carried
// settlement is checked, so a refused one could not pass for a pair.
function carriedPairs(api: string, endpoints: Endpoint[], seconds = SECONDS): Promise<number> {
  return timed(async (worker) => {
    const { secret } = endpoints[worker]!;
    let previous: string | null = null;
    for (let i = 0; i < SESSION_REQUESTS; i++) {
      const lease: Record<string, unknown> = await call(
        `${api}/api/v1/endpoints/spend/leases`,
        secret,
        {
          amountUsd: '0.01',
          idempotencyKey: randomUUID(),
          ...(previous ? { settle: { leaseId: previous, costUsd: '0.005' } } : {}),
        },
      );
      if (previous && (lease.settle as { id?: unknown } | undefined)?.id !== previous) {
        throw new Error(`the lease request did not settle ${previous}`);
      }
      previous = String(lease.id);
    }
    await call(`${api}/api/v1/endpoints/spend/leases/${previous}/settle`, secret, {
      costUsd: '0.005',
    });
    return SESSION_REQUESTS;
  }, seconds);
}

function standalonePairs(api: string, endpoints: Endpoint[], seconds = SECONDS): Promise<number> {
  return timed(async (worker) => {
    const { secret } = endpoints[worker]!;
    const lease = await call(`${api}/api/v1/endpoints/spend/leases`, secret, {
      amountUsd: '0.01',
      idempotencyKey: randomUUID(),
    });
    await call(`${api}/api/v1/endpoints/spend/leases/${String(lease.id)}/settle`, secret, {
      costUsd: '0.005',
    });
    return 1;
  }, seconds);
}

function servicePairs(app: Nest, endpoints: Endpoint[], seconds = SECONDS): Promise<number> {
  const spend = app.get(SpendService);
  return timed(async (worker) => {
    const endpoint = endpoints[worker]!;
    const lease = await spend.lease(endpoint, { amountUsd: '0.01', idempotencyKey: randomUUID() });
    await spend.settle(endpoint, lease.id, { costUsd: '0.005' });
    return 1;
  }, seconds);
}

// On the bench's own database (and server: TEST_POSTGRES_URL may name another).
function pgbench(databaseUrl: string, script: string): number {
  const url = new URL(databaseUrl);
  const output = execFileSync(
    'pgbench',
    ['-n', '-f', script, '-c', String(PGBENCH_CLIENTS), '-j', '2', '-T', String(SECONDS)],
    {
      env: {
        ...process.env,
        PGHOST: url.hostname,
        PGPORT: url.port || '5432',
        PGUSER: decodeURIComponent(url.username) || 'postgres',
        PGDATABASE: url.pathname.slice(1),
      },
      encoding: 'utf8',
    },
  );
  const match = /tps = ([\d.]+)/.exec(output);
  if (!match) throw new Error(`pgbench said:\n${output}`);
  return Number(match[1]);
}

async function main() {
  const { database, config, app } = await benchEnvironment('steward_bench_spend', {
    STEWARD_PROCESS_ROLE: 'api',
  });
  const api = await spawnBenchApi(database, config);
  const script = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'spend-pgbench-')), 'update.sql');
  fs.writeFileSync(script, 'UPDATE spend_bench_row SET n = n + 1 WHERE id = 1;\n');
  try {
    const prisma = app.get(PrismaService);
    await prisma.$executeRawUnsafe('CREATE TABLE spend_bench_row (id int PRIMARY KEY, n bigint)');
    await prisma.$executeRawUnsafe('INSERT INTO spend_bench_row VALUES (1, 0)');
    const endpoints = await fixture(app);
    // Whether anything analyzes the ledger as it grows (the spend functions' plans do not depend
    // on it since migration 20261208013000; the figure did before).
    const [{ autovacuum }] = await prisma.$queryRaw<{ autovacuum: string }[]>`
      SELECT current_setting('autovacuum') AS autovacuum`;
    console.log(
      `spend: ${USERS} concurrent users, each lease against 2 hard budgets (own + shared team), ` +
        `${SECONDS} s per side, ${ROUNDS} rounds alternated; sessions of ${SESSION_REQUESTS} ` +
        `requests; pgbench -c ${PGBENCH_CLIENTS} single-row UPDATE; autovacuum ${autovacuum}; ` +
        machineLoad(),
    );
    // Warm-up (JIT, credential and limit caches, connection pools), not counted.
    await carriedPairs(api.url, endpoints, WARMUP_SECONDS);
    await standalonePairs(api.url, endpoints, WARMUP_SECONDS);
    await servicePairs(app, endpoints, WARMUP_SECONDS);
    const carried: number[] = [];
    const standalone: number[] = [];
    const service: number[] = [];
    const pg: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      carried.push(await carriedPairs(api.url, endpoints));
      pg.push(pgbench(database.url, script));
      standalone.push(await standalonePairs(api.url, endpoints));
      service.push(await servicePairs(app, endpoints));
      console.log(
        `  round ${round}: HTTP settle carried ${carried.at(-1)!.toFixed(0)} pairs/s, ` +
          `HTTP settle alone ${standalone.at(-1)!.toFixed(0)} pairs/s, ` +
          `service ${service.at(-1)!.toFixed(0)} pairs/s, pgbench ${pg.at(-1)!.toFixed(0)} tps; ` +
          machineLoad(),
      );
    }
    // Each round's pgbench ran between its spend runs: the ratio of a round is measured under
    // the same load (this VM shares its cores); the median round is reported.
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
    // The goal is the runtime's path; a settle on its own (two requests per pair, as a client
    // that never leases again would pay) is measured beside it for the comparison.
    for (const [path, values, goal] of [
      ['HTTP, each settle carried by the next lease (the runtime)', carried, true],
      ['HTTP, each settle on its own', standalone, false],
      ['the service', service, true],
    ] as const) {
      const ratios = values.map((value, round) => value / pg[round]!);
      const ratio = median(ratios);
      const round = ratios.indexOf(ratio);
      console.log(
        `lease+settle through ${path}: ${values[round]!.toFixed(0)} pairs/s vs pgbench ` +
          `${pg[round]!.toFixed(0)} tps in round ${round + 1}: ${ratio.toFixed(2)}x ` +
          `(median of ${ratios.map((r) => r.toFixed(2)).join(', ')}` +
          `${goal ? '; goal >= 0.5x' : ''})`,
      );
      reportResult({
        figure: `lease+settle pairs per second through ${path} (2 hard budgets, ${USERS} users)`,
        value: Math.round(values[round]!),
        unit: '/s',
        peer: `pgbench single-row UPDATEs per second (-c ${PGBENCH_CLIENTS})`,
        peerValue: Math.round(pg[round]!),
        ratio,
        goal: goal ? 'ratio ≥ 0.5' : 'measured (comparison: two requests per pair)',
        met: !goal || ratio >= 0.5,
      });
    }
  } finally {
    await api.stop();
    await app.close();
    await dropTestDatabase(database.name);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
