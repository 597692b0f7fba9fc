// npm run bench -- spend
// Lease+settle pairs per second, side by side with pgbench doing a single-row UPDATE on the same
// database, alternated A/B in one run (goal >= 0.5x of pgbench). Two figures for the spend side:
//   - through HTTP: POST /spend/leases then /settle against the built API in its own process
//     (endpoint auth, validation, the plain Fastify routes, the batched reserve and settle calls);
//   - through the service: SpendService.lease + settle in this process (the same SQL, no HTTP).
// A CPU profile of the API under the HTTP load: ~43% of its busy time is the writev system call
// (about half to Postgres, half the HTTP responses), Fastify ~7%, pg ~8%, spend's own code ~7%.
// Every lease reserves against two hard budgets (the user's and the team's, shared by all users),
// so the team's counter row is as contended as pgbench's single row; concurrent reserves (and
// settles) of one process share one call and one commit (CallBatcher), which is how a pair can
// cost less than two of pgbench's commits.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CredentialsService } from '../apps/admin-api/src/modules/credentials/credentials.service';
import { GovernanceService } from '../apps/admin-api/src/modules/governance/governance.service';
import { OrganizationsService } from '../apps/admin-api/src/modules/organizations/organizations.service';
import { SpendService } from '../apps/admin-api/src/modules/spend/spend.service';
import { PrismaService } from '../apps/admin-api/src/platform/database/prisma.service';
import { createHttpApp } from '../apps/admin-api/src/platform/http/http-app';
import { dropTestDatabase } from '../test/support/test-database';
import { benchEnvironment, endpointClient, spawnBenchApi } from './support';
import { reportResult } from './result';

// As many concurrent users as pgbench has clients: the same concurrency on both sides.
const USERS = 8;
const SECONDS = 10;
const ROUNDS = 3;
const WARMUP_SECONDS = 3;
const PGBENCH_CLIENTS = USERS;
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
  const governance = app.get(GovernanceService);
  const org = await app.get(OrganizationsService).create('Spend Bench', { type: 'operator' });
  const team = await prisma.directoryGroup.create({
    data: { organizationId: org.id, displayName: 'Everyone' },
  });
  await governance.createSpendLimit(
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
    await governance.createSpendLimit(
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

async function timed(pair: (worker: number) => Promise<void>, seconds = SECONDS): Promise<number> {
  const deadline = Date.now() + seconds * 1000;
  let pairs = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: USERS }, async (_, worker) => {
      while (Date.now() < deadline) {
        await pair(worker);
        pairs++;
      }
    }),
  );
  return pairs / ((Date.now() - started) / 1000);
}

const call = endpointClient(USERS);

function httpPairs(api: string, endpoints: Endpoint[], seconds = SECONDS): Promise<number> {
  return timed(async (worker) => {
    const { secret } = endpoints[worker]!;
    const lease = await call(`${api}/api/v1/endpoints/spend/leases`, secret, { amountUsd: '0.01' });
    await call(`${api}/api/v1/endpoints/spend/leases/${String(lease.id)}/settle`, secret, {
      costUsd: '0.005',
    });
  }, seconds);
}

function servicePairs(app: Nest, endpoints: Endpoint[], seconds = SECONDS): Promise<number> {
  const spend = app.get(SpendService);
  return timed(async (worker) => {
    const endpoint = endpoints[worker]!;
    const lease = await spend.lease(endpoint, { amountUsd: '0.01' });
    await spend.settle(endpoint, lease.id, { costUsd: '0.005' });
  }, seconds);
}

function pgbench(databaseName: string, script: string): number {
  const output = execFileSync(
    'pgbench',
    ['-n', '-f', script, '-c', String(PGBENCH_CLIENTS), '-j', '2', '-T', String(SECONDS)],
    {
      env: { ...process.env, PGHOST: '127.0.0.1', PGUSER: 'postgres', PGDATABASE: databaseName },
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
    console.log(
      `spend: ${USERS} concurrent users, each lease against 2 hard budgets (own + shared team), ` +
        `${SECONDS} s per side, ${ROUNDS} rounds A/B; pgbench -c ${PGBENCH_CLIENTS} single-row UPDATE`,
    );
    // Warm-up (JIT, credential and limit caches, connection pools), not counted.
    await httpPairs(api.url, endpoints, WARMUP_SECONDS);
    await servicePairs(app, endpoints, WARMUP_SECONDS);
    const http: number[] = [];
    const service: number[] = [];
    const pg: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      http.push(await httpPairs(api.url, endpoints));
      pg.push(pgbench(database.name, script));
      service.push(await servicePairs(app, endpoints));
      console.log(
        `  round ${round}: HTTP ${http.at(-1)!.toFixed(0)} pairs/s, service ${service.at(-1)!.toFixed(0)} pairs/s, pgbench ${pg.at(-1)!.toFixed(0)} tps`,
      );
    }
    // Each round's pgbench ran right between its HTTP and service runs: the ratio of a round is
    // measured under the same load (this VM shares its cores); the median round is reported.
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
    for (const [path, values] of [
      ['HTTP', http],
      ['the service', service],
    ] as const) {
      const ratios = values.map((value, round) => value / pg[round]!);
      const ratio = median(ratios);
      const round = ratios.indexOf(ratio);
      console.log(
        `lease+settle through ${path}: ${values[round]!.toFixed(0)} pairs/s vs pgbench ` +
          `${pg[round]!.toFixed(0)} tps in round ${round + 1}: ${ratio.toFixed(2)}x ` +
          `(median of ${ratios.map((r) => r.toFixed(2)).join(', ')}; goal >= 0.5x)`,
      );
      reportResult({
        figure: `lease+settle pairs per second through ${path} (2 hard budgets, ${USERS} users)`,
        value: Math.round(values[round]!),
        unit: '/s',
        peer: `pgbench single-row UPDATEs per second (-c ${PGBENCH_CLIENTS})`,
        peerValue: Math.round(pg[round]!),
        ratio,
        goal: 'ratio ≥ 0.5',
        met: ratio >= 0.5,
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
