// npm run bench -- deprovision
// Deprovisioning at scale: 5,000 endpoints hold long-polls (GET /bundle?wait=55, as steward-agent
// does) on two API processes and a worker of the same build, on one database and one Redis (the
// production shape, test/support/fleet.ts). The load generator holding them is a process of its
// own (bench/long-polls.ts). One person at a time, each with 50 of the 5,000 endpoints, is
// deactivated by SCIM (PATCH active: false, sent to either API process in turn); the figure is the
// time from sending the PATCH until each of the person's endpoints has received the signed bundle
// saying `access: "revoked"`, p50 and p99 over every endpoint of every person deactivated. Only
// the external behaviour is used, so this measures whatever propagation path the build has.
// Peer, in the same run: the same with no fleet around them (only those people's endpoints held).
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { BundlesService } from '../apps/admin-api/src/modules/bundles/bundles.service';
import { CREDENTIAL_PREFIX } from '../apps/admin-api/src/modules/credentials/credential-types';
import { CredentialsService } from '../apps/admin-api/src/modules/credentials/credentials.service';
import {
  hashSecret,
  newSecret,
  secretHint,
} from '../apps/admin-api/src/modules/credentials/secrets';
import { OrganizationsService } from '../apps/admin-api/src/modules/organizations/organizations.service';
import { PrismaService } from '../apps/admin-api/src/platform/database/prisma.service';
import { startDeployment } from '../test/support/fleet';
import type { Deployment } from '../test/support/fleet';
import { dropTestDatabase } from '@steward/testing';
import type { FromGenerator, PollTarget, ToGenerator } from './long-polls';
import { machineLoad, reportResult } from './result';
import { benchEnvironment } from './support';
import type { BenchEnvironment } from './support';

const FLEET = 5000;
const ENDPOINTS_PER_PERSON = 50;
const PEOPLE = 10;
const PEER_PEOPLE = 3;
// Deactivated first and not counted: the first deactivations after a start are several times
// slower (connection pools filling, code not yet optimised).
const WARMUP_PEOPLE = 2;
// After every long-poll has been sent, time for the API processes to take them all in.
const SETTLE_MS = 5000;
const REVOCATION_TIMEOUT_MS = 120_000;
const GOAL_P99_MS = 1000;

interface FleetEndpoint {
  userName: string;
  userId: string;
  endpointId: string;
  credential: string;
}

interface Fleet {
  scimToken: string;
  endpoints: FleetEndpoint[];
}

// An organization with one endpoint per entry of `userNames` (a name listed n times is one
// person with n endpoints), each with its credential and a published bundle. Written in bulk:
// enrolling 5,000 endpoints one request at a time took minutes on a loaded machine, and
// enrolment is not what this measures.
async function createFleet(app: BenchEnvironment['app'], userNames: string[]): Promise<Fleet> {
  const prisma = app.get(PrismaService);
  const organization = await app
    .get(OrganizationsService)
    .create('Deprovision bench', { type: 'operator' });
  const organizationId = organization.id;
  const scim = await app
    .get(CredentialsService)
    .issue(organizationId, 'scim', { actor: { type: 'operator' } });
  await prisma.directoryUser.createMany({
    data: [...new Set(userNames)].map((userName) => ({
      organizationId,
      userName,
      userNameLower: userName,
    })),
  });
  const users = new Map(
    (await prisma.directoryUser.findMany({ where: { organizationId } })).map((user) => [
      user.userName,
      user.id,
    ]),
  );
  const prefix = CREDENTIAL_PREFIX.endpoint;
  const endpoints = userNames.map((userName) => ({
    userName,
    userId: users.get(userName)!,
    endpointId: randomUUID(),
    credentialId: randomUUID(),
    credential: newSecret(prefix),
  }));
  await prisma.credential.createMany({
    data: endpoints.map((e) => ({
      id: e.credentialId,
      organizationId,
      type: 'endpoint' as const,
      name: `endpoint ${e.userName}`,
      secretHash: hashSecret(e.credential),
      hint: secretHint(prefix, e.credential),
      scopes: [],
    })),
  });
  await prisma.endpoint.createMany({
    data: endpoints.map((e) => ({
      id: e.endpointId,
      organizationId,
      userId: e.userId,
      credentialId: e.credentialId,
      deviceName: `${e.userName} laptop`,
      os: 'linux',
      runtimeVersion: '0.1.0',
    })),
  });
  const ids = endpoints.map((e) => e.endpointId);
  for (let start = 0; start < ids.length; start += 1000) {
    await app
      .get(BundlesService)
      .publishForEndpoints(organizationId, ids.slice(start, start + 1000), 'bench');
  }
  return { scimToken: scim.secret, endpoints };
}

// The people deactivated without the fleet around them, the people deactivated with it, and the
// rest of the fleet (one endpoint each).
interface FleetNames {
  warmup: string[];
  peer: string[];
  measured: string[];
  members: string[];
}

function fleetNames(): FleetNames {
  const people = (prefix: string, count: number) =>
    Array.from({ length: count }, (_, p) => `${prefix}-${p}@deprovision.example`);
  const warmup = people('warmup', WARMUP_PEOPLE);
  const peer = people('alone', PEER_PEOPLE);
  const measured = people('person', PEOPLE);
  const others = FLEET - (WARMUP_PEOPLE + PEER_PEOPLE + PEOPLE) * ENDPOINTS_PER_PERSON;
  return { warmup, peer, measured, members: people('member', others) };
}

function openFilesLimit(): number {
  const line = fs
    .readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'))!;
  return Number(line.split(/\s+/)[3]);
}

// Resident memory (MiB) and open file descriptors of a process (Linux).
function processUse(pid: number): string {
  const rss = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]!;
  const fds = fs.readdirSync(`/proc/${pid}/fd`).length;
  return `${(Number(rss) / 1024).toFixed(0)} MiB, ${fds} fds`;
}

class Generator {
  private readonly waiting = new Map<string, (at: bigint) => void>();
  private held?: (message: FromGenerator & { type: 'held' }) => void;

  constructor(readonly child: ChildProcess) {
    child.on('message', (message: FromGenerator) => {
      if (message.type === 'held') this.held?.(message);
      if (message.type === 'revoked') this.waiting.get(message.endpointId)?.(BigInt(message.at));
    });
  }

  static start(): Generator {
    return new Generator(fork(path.join(__dirname, 'long-polls.js'), { stdio: 'inherit' }));
  }

  async hold(endpoints: PollTarget[]): Promise<void> {
    const held = new Promise<FromGenerator & { type: 'held' }>((resolve) => (this.held = resolve));
    this.child.send({ type: 'hold', endpoints } as ToGenerator);
    const { count, errors } = await held;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    console.log(`  ${count} more long-polls held (${errors} failed pulls retried)`);
  }

  // The moment (process.hrtime) each endpoint received its revoked bundle, or null if it did not
  // within REVOCATION_TIMEOUT_MS.
  revocations(endpointIds: string[]): Promise<(bigint | null)[]> {
    return Promise.all(
      endpointIds.map(
        (id) =>
          new Promise<bigint | null>((resolve) => {
            const timer = setTimeout(() => resolve(null), REVOCATION_TIMEOUT_MS);
            this.waiting.set(id, (at) => {
              clearTimeout(timer);
              resolve(at);
            });
          }),
      ),
    );
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.child.send({ type: 'stop' } as ToGenerator);
    await once(this.child, 'exit');
  }
}

// PATCH active: false, retried after a 503 as IdPs do (Retry-After); returns the attempts made.
async function deactivateByScim(apiUrl: string, scimToken: string, userId: string) {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${apiUrl}/scim/v2/Users/${userId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', value: { active: false } }],
      }),
    });
    if (response.status === 200) return attempt;
    const text = await response.text();
    if (response.status !== 503 || attempt === 3) {
      throw new Error(`SCIM PATCH answered ${response.status}: ${text}`);
    }
    const seconds = Number(response.headers.get('retry-after') ?? 1);
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  }
}

// Deactivates each person in turn; returns the milliseconds from the PATCH to each endpoint's
// revoked bundle (Infinity for one that never got it).
async function deactivate(
  fleet: Fleet,
  deployment: Deployment,
  generator: Generator,
  userNames: string[],
): Promise<number[]> {
  const times: number[] = [];
  for (const [turn, userName] of userNames.entries()) {
    const endpoints = fleet.endpoints.filter((e) => e.userName === userName);
    const revoked = generator.revocations(endpoints.map((e) => e.endpointId));
    const api = deployment.apis[turn % deployment.apis.length]!;
    const sent = process.hrtime.bigint();
    const attempts = await deactivateByScim(api.url, fleet.scimToken, endpoints[0]!.userId);
    const answered = process.hrtime.bigint();
    const person = (await revoked).map((at) => (at === null ? Infinity : Number(at - sent) / 1e6));
    times.push(...person);
    const slowest = Math.max(...person);
    console.log(
      `  ${userName}: SCIM answered in ${(Number(answered - sent) / 1e6).toFixed(0)} ms` +
        `${attempts > 1 ? ` (${attempts} attempts)` : ''}; ` +
        `${endpoints.length} endpoints revoked after ${Math.min(...person).toFixed(0)}–` +
        `${slowest.toFixed(0)} ms; ${machineLoad()}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return times;
}

function percentile(times: number[], p: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const targets = (endpoints: FleetEndpoint[], deployment: Deployment): PollTarget[] =>
  endpoints.map((endpoint, i) => ({
    endpointId: endpoint.endpointId,
    credential: endpoint.credential,
    apiUrl: deployment.apis[i % deployment.apis.length]!.url,
  }));

async function measure(fleet: Fleet, deployment: Deployment, names: FleetNames) {
  const generator = Generator.start();
  try {
    const peerSet = new Set([...names.warmup, ...names.peer]);
    const alone = fleet.endpoints.filter((e) => peerSet.has(e.userName));
    console.log(`without the fleet: ${alone.length} long-polls of ${peerSet.size} people`);
    await generator.hold(targets(alone, deployment));
    console.log('warm-up (not counted):');
    await deactivate(fleet, deployment, generator, names.warmup);
    const peer = await deactivate(fleet, deployment, generator, names.peer);

    const rest = fleet.endpoints.filter((e) => !peerSet.has(e.userName));
    console.log(`with the fleet: ${fleet.endpoints.length} long-polls on 2 API processes`);
    await generator.hold(targets(rest, deployment));
    for (const api of deployment.apis) {
      console.log(`  API process ${api.child.pid}: ${processUse(api.child.pid!)}`);
    }
    console.log(`  load generator: ${processUse(generator.child.pid!)}`);
    const times = await deactivate(fleet, deployment, generator, names.measured);
    return { peer, times };
  } finally {
    await generator.stop();
  }
}

function report(peer: number[], times: number[]): void {
  const [p50, p99, peer50, peer99] = [
    percentile(times, 50),
    percentile(times, 99),
    percentile(peer, 50),
    percentile(peer, 99),
  ];
  console.log(
    `SCIM deactivation → revoked bundle, ${times.length} endpoints of ${PEOPLE} people among ` +
      `${FLEET} long-polls: p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, max ` +
      `${Math.max(...times).toFixed(0)} ms (goal p99 ≤ ${GOAL_P99_MS} ms); without the fleet ` +
      `(${peer.length} endpoints): p50 ${peer50.toFixed(0)} ms, p99 ${peer99.toFixed(0)} ms; ` +
      machineLoad(),
  );
  const figure = (p: string) =>
    `SCIM deactivation → revoked bundle on the person's endpoints, ${p} ` +
    `(${ENDPOINTS_PER_PERSON} of ${FLEET} long-polls on 2 API processes)`;
  const peerName = `same, only those endpoints polling`;
  reportResult({
    figure: figure('p99'),
    value: Math.round(p99),
    unit: 'ms',
    peer: peerName,
    peerValue: Math.round(peer99),
    goal: `≤ ${GOAL_P99_MS} ms`,
    met: p99 <= GOAL_P99_MS,
  });
  reportResult({
    figure: figure('p50'),
    value: Math.round(p50),
    unit: 'ms',
    peer: peerName,
    peerValue: Math.round(peer50),
    goal: 'measured',
    met: Number.isFinite(p50),
  });
}

async function main() {
  const needed = FLEET + 100;
  if (openFilesLimit() < needed) {
    throw new Error(`raise the open-files limit to at least ${needed} (ulimit -n)`);
  }
  const { database, config, app } = await benchEnvironment('steward_bench_deprovision');
  let deployment: Deployment | undefined;
  let appOpen = true;
  try {
    const names = fleetNames();
    const started = Date.now();
    const fleet = await createFleet(app, [
      ...[...names.warmup, ...names.peer, ...names.measured].flatMap((name) =>
        Array<string>(ENDPOINTS_PER_PERSON).fill(name),
      ),
      ...names.members,
    ]);
    // The fixtures' API hears bus messages and takes jobs: only the deployment measured may.
    await app.close();
    appOpen = false;
    console.log(
      `fleet: ${fleet.endpoints.length} endpoints made in ${((Date.now() - started) / 1000).toFixed(0)} s; ${machineLoad()}`,
    );
    deployment = await startDeployment({
      databaseUrl: database.url,
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: config.STEWARD_QUEUE_PREFIX,
      secretKey: config.STEWARD_SECRET_KEY!,
      apiCount: 2,
      logLevel: 'error',
    });
    const { peer, times } = await measure(fleet, deployment, names);
    report(peer, times);
  } finally {
    await deployment?.stop();
    if (appOpen) await app.close();
    await dropTestDatabase(database.name);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
