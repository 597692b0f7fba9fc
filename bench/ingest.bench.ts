// npm run bench -- ingest
// 1. Agent events per second through POST /api/v1/endpoints/events (the built API in its own
//    process: endpoint auth, parsing and validation, dedupe, audit record with the batch digest,
//    rollup marks, Postgres), side by side with a raw COPY of the same rows into the same
//    partitioned table, alternated A/B in one run after a warm-up; the median round's ratio is
//    reported (goal >= 0.7x, issue 22). Everything shares this machine's cores, so the CPU each side costs
//    per event (the API process, Postgres's processes, this load generator) is printed too.
// 2. Analytics API over 30 days of rollups standing for 10 million events (seeded with SQL
//    generate_series): p50 and p95 of the organization summary and of per-user and per-group pages
//    (goal p50 <= 100 ms).
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { AgentEvent, createEvent, EventSubject } from '@steward/telemetry';
import { RollupsService } from '../apps/admin-api/src/modules/analytics/rollups.service';
import { CredentialsService } from '../apps/admin-api/src/modules/credentials/credentials.service';
import { OrganizationsService } from '../apps/admin-api/src/modules/organizations/organizations.service';
import { EventPartitions } from '../apps/admin-api/src/modules/telemetry/event-partitions.repository';
import { PrismaService } from '../apps/admin-api/src/platform/database/prisma.service';
import { createHttpApp } from '../apps/admin-api/src/platform/http/http-app';
import { dropTestDatabase } from '@steward/testing';
import { reportResult } from './result';
import { benchEnvironment, endpointClient, spawnBenchApi } from './support';

const BATCHES = 120;
const EVENTS_PER_BATCH = 500;
const SENDERS = 8;
const ROUNDS = 5;
const WARMUP_BATCHES = 40;
const ANALYTICS_USERS = 2000;
const ANALYTICS_GROUPS = 50;
const ANALYTICS_DAYS = 30;
const ANALYTICS_EVENTS = 10_000_000;
const QUERY_SAMPLES = 200;
const ANALYTICS_LABELS: Record<string, string> = {
  summary: 'organization summary',
  users: 'per-user daily page (JSON)',
  usersCsv: 'per-user daily page (CSV)',
  groups: 'per-group daily page',
};
// USER_HZ: the unit of /proc/<pid>/stat times on Linux.
const CLOCK_TICKS_PER_SECOND = 100;

type Nest = Awaited<ReturnType<typeof createHttpApp>>;

async function enrol(app: Nest, name: string) {
  const prisma = app.get(PrismaService);
  const org = await app.get(OrganizationsService).create(name, { type: 'operator' });
  const user = await prisma.directoryUser.create({
    data: { organizationId: org.id, userName: 'bench', userNameLower: 'bench' },
  });
  const credential = await app
    .get(CredentialsService)
    .issue(org.id, 'endpoint', { actor: { type: 'operator' } });
  const endpoint = await prisma.endpoint.create({
    data: {
      organizationId: org.id,
      userId: user.id,
      credentialId: credential.id,
      deviceName: 'bench',
      os: 'linux',
      runtimeVersion: '0',
    },
  });
  const subject: EventSubject = {
    organizationId: org.id,
    userId: user.id,
    endpointId: endpoint.id,
    sessionId: 'bench-session',
  };
  return { organizationId: org.id, secret: credential.secret, subject };
}

// A realistic mix: mostly tool calls and file reads, some model requests.
function makeEvents(subject: EventSubject, count: number): AgentEvent[] {
  const start = Date.now() - 3600_000;
  return Array.from({ length: count }, (_, i) => {
    const at = new Date(start + i);
    if (i % 10 === 0) {
      return createEvent(
        subject,
        {
          type: 'model.requested',
          model: 'claude-sonnet-4-5',
          inputTokens: 1200,
          outputTokens: 300,
          costUsd: '0.004215',
        },
        at,
      );
    }
    if (i % 3 === 0) {
      return createEvent(
        subject,
        { type: 'file.read', path: `/work/docs/${i}.md`, bytes: 2048 },
        at,
      );
    }
    return createEvent(
      subject,
      {
        type: 'tool.called',
        tool: 'github/search_issues',
        connector: 'github',
        mcpTool: 'search_issues',
        access: 'read',
        decision: 'allow',
        rule: 'role:engineers connector:github read:allow',
        outcome: 'ok',
        durationMs: 42,
        parameters: '{"query":"is:open label:bug"}',
      },
      at,
    );
  });
}

// CPU time (user + system) of a process so far, in ms, from /proc (Linux): the CPU per event of
// each side is the sizing figure that holds however busy the machine is.
function cpuMsOf(pid: number | string): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

// Every Postgres process of this machine (backends, WAL writer, checkpointer, autovacuum).
function postgresCpuMs(): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres') total += cpuMsOf(pid);
    } catch {
      // The process ended while being read.
    }
  }
  return total;
}

function ownCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

interface CpuPerEvent {
  api?: number;
  postgres: number;
  generator: number;
}

// Runs `work` (which handles `events` events) and returns the CPU microseconds per event each
// process spent meanwhile.
async function cpuPerEvent(
  events: number,
  apiPid: number | undefined,
  work: () => Promise<unknown>,
): Promise<{ cpu: CpuPerEvent }> {
  const before = { api: apiPid ? cpuMsOf(apiPid) : 0, pg: postgresCpuMs(), own: ownCpuMs() };
  await work();
  const perEvent = (ms: number) => (ms * 1000) / events;
  return {
    cpu: {
      ...(apiPid ? { api: perEvent(cpuMsOf(apiPid) - before.api) } : {}),
      postgres: perEvent(postgresCpuMs() - before.pg),
      generator: perEvent(ownCpuMs() - before.own),
    },
  };
}

const post = endpointClient(SENDERS);

// Uploads `batches` batches of EVENTS_PER_BATCH new events of one endpoint, SENDERS at a time.
async function ingestRound(
  app: Nest,
  api: string,
  apiPid: number,
  round: number,
  batches: number,
): Promise<{ eventsPerSecond: number; cpu: CpuPerEvent }> {
  const { secret, subject } = await enrol(app, `Ingest bench ${round}`);
  const events = makeEvents(subject, batches * EVENTS_PER_BATCH);
  const bodies = Array.from({ length: batches }, (_, b) =>
    JSON.stringify({ events: events.slice(b * EVENTS_PER_BATCH, (b + 1) * EVENTS_PER_BATCH) }),
  );
  const url = `${api}/api/v1/endpoints/events`;
  const started = process.hrtime.bigint();
  let stored = 0;
  const { cpu } = await cpuPerEvent(events.length, apiPid, () =>
    Promise.all(
      Array.from({ length: SENDERS }, async () => {
        for (let body = bodies.pop(); body; body = bodies.pop()) {
          const answer = await post<{ stored: number }>(url, secret, body);
          if (answer.stored !== EVENTS_PER_BATCH) {
            throw new Error(`a batch of new events was answered ${JSON.stringify(answer)}`);
          }
          stored += answer.stored;
        }
      }),
    ),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (stored !== events.length) throw new Error(`stored ${stored} of ${events.length}`);
  return { eventsPerSecond: stored / seconds, cpu };
}

function copyField(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/\t/g, '\\t')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r');
}

async function copyRound(
  app: Nest,
  databaseUrl: string,
  round: number,
): Promise<{ eventsPerSecond: number; cpu: CpuPerEvent }> {
  const { organizationId, subject } = await enrol(app, `Copy bench ${round}`);
  const events = makeEvents(subject, BATCHES * EVENTS_PER_BATCH);
  const batchId = randomUUID();
  const lines = events.map((event) => {
    const occurredAt = new Date(event.occurredAt);
    return (
      [
        organizationId,
        occurredAt.toISOString().slice(0, 10),
        event.id,
        occurredAt.toISOString(),
        event.type,
        event.userId,
        event.endpointId,
        event.sessionId,
        batchId,
        copyField(JSON.stringify(event)),
      ].join('\t') + '\n'
    );
  });
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const started = process.hrtime.bigint();
    const { cpu } = await cpuPerEvent(events.length, undefined, () =>
      pipeline(
        Readable.from(lines),
        client.query(
          copyFrom(
            `COPY "AgentEvent" ("organizationId", day, id, "occurredAt", type, "userId",
               "endpointId", "sessionId", "batchId", payload) FROM STDIN`,
          ),
        ),
      ),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { eventsPerSecond: events.length / seconds, cpu };
  } finally {
    await client.end();
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function analyticsQueries(app: Nest, api: string, databaseUrl: string) {
  const org = await app.get(OrganizationsService).create('Analytics bench', { type: 'operator' });
  const key = await app.get(CredentialsService).issue(org.id, 'analytics', {
    scopes: ['analytics:read'],
    actor: { type: 'operator' },
  });
  const perUserDay = Math.round(ANALYTICS_EVENTS / (ANALYTICS_USERS * ANALYTICS_DAYS));
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  const seedStarted = Date.now();
  try {
    // What the rollup job leaves for 2,000 people over 30 days of ~10M events.
    await client.query(
      `INSERT INTO "UserDailyMetrics" ("organizationId", day, "userId", sessions, "toolCalls",
         "toolCallsByConnector", "toolCallsByDecision", "plansApprovedManual", "plansApprovedAuto",
         "filesRead", "filesModified", "skillsUsed", "modelRequests", "inputTokens", "outputTokens",
         "costUsd", "policyViolations")
       SELECT $1::uuid, (now() at time zone 'utc')::date - d, 'user-' || lpad(u::text, 5, '0'), 3, $2::int * 6 / 10,
         jsonb_build_object('github', jsonb_build_object('allow', $2::int / 2, 'ask', $2::int / 10),
                            'builtin', jsonb_build_object('deny', $2::int / 10 - 2)),
         jsonb_build_object('allow', $2::int / 2, 'ask', $2::int / 10, 'deny', $2::int / 10 - 2),
         2, 1, $2::int / 5, $2::int / 10, 1, $2::int / 10 - 1, 120000, 30000, 0.421500000000, 1
       FROM generate_series(0, $3::int - 1) d, generate_series(1, $4::int) u`,
      [org.id, perUserDay, ANALYTICS_DAYS, ANALYTICS_USERS],
    );
    await client.query(
      `INSERT INTO "GroupDailyMetrics" ("organizationId", day, "groupId", "activeUsers", sessions,
         "toolCalls", "toolCallsByConnector", "toolCallsByDecision", "plansApprovedManual",
         "plansApprovedAuto", "filesRead", "filesModified", "skillsUsed", "modelRequests",
         "inputTokens", "outputTokens", "costUsd", "policyViolations")
       SELECT $1::uuid, (now() at time zone 'utc')::date - d, gen_random_uuid(), 40, 120, 4000, '{}', '{}', 80, 40,
         1300, 660, 40, 640, 4800000, 1200000, 16.86, 40
       FROM generate_series(0, $2::int - 1) d, generate_series(1, $3::int) g`,
      [org.id, ANALYTICS_DAYS, ANALYTICS_GROUPS],
    );
    const rollups = app.get(RollupsService);
    for (let d = 0; d < ANALYTICS_DAYS; d++) {
      const day = new Date(Date.now() - d * 86_400_000).toISOString().slice(0, 10);
      await rollups.recomputeOrganizationDay(org.id, day);
    }
    // What autovacuum does on its own after a bulk load (index-only scans need the visibility map).
    await client.query(
      'VACUUM ANALYZE "UserDailyMetrics", "GroupDailyMetrics", "OrganizationDailyMetrics"',
    );
  } finally {
    await client.end();
  }
  const seeded = (Date.now() - seedStarted) / 1000;
  const to = new Date().toISOString().slice(0, 10);
  const from = new Date(Date.now() - (ANALYTICS_DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
  const headers = { authorization: `Bearer ${key.secret}` };
  const measure = async (path: string) => {
    const times: number[] = [];
    for (let i = 0; i < QUERY_SAMPLES + 10; i++) {
      const started = process.hrtime.bigint();
      const response = await fetch(`${api}${path}`, { headers });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
      if (i >= 10) times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    times.sort((a, b) => a - b);
    return { p50: percentile(times, 50), p95: percentile(times, 95) };
  };
  const range = `from=${from}&to=${to}`;
  return {
    seeded,
    summary: await measure(`/api/v1/analytics/summary?${range}`),
    users: await measure(`/api/v1/analytics/users/daily?${range}&limit=1000`),
    usersCsv: await measure(`/api/v1/analytics/users/daily?${range}&limit=1000&format=csv`),
    groups: await measure(`/api/v1/analytics/groups/daily?${range}&limit=1000`),
  };
}

type Side = { eventsPerSecond: number; cpu: CpuPerEvent };

const cpuText = ({ api, postgres, generator }: CpuPerEvent) =>
  [
    ...(api === undefined ? [] : [`API ${api.toFixed(1)}`]),
    `Postgres ${postgres.toFixed(1)}`,
    `load generator ${generator.toFixed(1)}`,
  ].join(', ') + ' µs CPU/event';

// 1. The ingest endpoint against a raw COPY, round by round after a warm-up.
async function ingestAgainstCopy(
  app: Nest,
  api: string,
  apiPid: number,
  databaseUrl: string,
): Promise<void> {
  console.log(
    `ingest: ${BATCHES * EVENTS_PER_BATCH} events per side per round (${BATCHES} batches of ${EVENTS_PER_BATCH}, ` +
      `${SENDERS} senders), ${ROUNDS} rounds A/B after a warm-up of ${WARMUP_BATCHES} batches`,
  );
  // JIT, the credential cache, connection pools and today's partition, not counted.
  await ingestRound(app, api, apiPid, 0, WARMUP_BATCHES);
  const ingest: Side[] = [];
  const copy: Side[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    ingest.push(await ingestRound(app, api, apiPid, round, BATCHES));
    copy.push(await copyRound(app, databaseUrl, round));
    console.log(
      `  round ${round}: API ingest ${ingest.at(-1)!.eventsPerSecond.toFixed(0)} events/s ` +
        `(${cpuText(ingest.at(-1)!.cpu)}), raw COPY ${copy.at(-1)!.eventsPerSecond.toFixed(0)} ` +
        `events/s (${cpuText(copy.at(-1)!.cpu)})`,
    );
  }
  reportIngest(ingest, copy);
}

// Each round's COPY ran right after its ingest, under the same conditions: the median round's
// ratio is the figure.
function reportIngest(ingest: Side[], copy: Side[]): void {
  const ratios = ingest.map((side, i) => side.eventsPerSecond / copy[i]!.eventsPerSecond);
  const median = [...ratios].sort((a, b) => a - b)[ratios.length >> 1]!;
  const round = ratios.indexOf(median);
  console.log(
    `ingest endpoint ${ingest[round]!.eventsPerSecond.toFixed(0)} events/s vs raw COPY ` +
      `${copy[round]!.eventsPerSecond.toFixed(0)} events/s in round ${round + 1}: ` +
      `${median.toFixed(2)}x (median of ${ratios.map((r) => r.toFixed(2)).join(', ')}; goal >= 0.7x)`,
  );
  reportResult({
    figure: `events per second through the ingest endpoint (batches of ${EVENTS_PER_BATCH}, ${SENDERS} senders)`,
    value: Math.round(ingest[round]!.eventsPerSecond),
    unit: 'events/s',
    peer: 'raw COPY of the same rows into the same table',
    peerValue: Math.round(copy[round]!.eventsPerSecond),
    ratio: median,
    goal: 'ratio ≥ 0.7',
    met: median >= 0.7,
  });
  reportResult({
    figure: 'API process CPU per ingested event',
    value: Number(ingest[round]!.cpu.api!.toFixed(1)),
    unit: 'µs',
    goal: 'measured (sizing input)',
    met: true,
  });
}

function reportAnalytics(analytics: Awaited<ReturnType<typeof analyticsQueries>>): void {
  console.log(
    `analytics: rollups for ${ANALYTICS_EVENTS.toLocaleString('en')} events (${ANALYTICS_USERS} users x ${ANALYTICS_DAYS} days, ${ANALYTICS_GROUPS} groups) seeded in ${analytics.seeded.toFixed(1)} s`,
  );
  for (const [name, { p50, p95 }] of Object.entries(analytics).filter(([n]) => n !== 'seeded') as [
    string,
    { p50: number; p95: number },
  ][]) {
    console.log(
      `  ${name.padEnd(8)} p50 ${p50.toFixed(1)} ms  p95 ${p95.toFixed(1)} ms (goal p50 <= 100 ms)`,
    );
    reportResult({
      figure: `Analytics API ${ANALYTICS_LABELS[name]} over 30 days of 10M events, p50`,
      value: Number(p50.toFixed(1)),
      unit: 'ms',
      goal: '≤ 100 ms',
      met: p50 <= 100,
    });
  }
}

async function main() {
  // The bench measures ingest alone: rollups and other jobs would run in a worker elsewhere.
  const { database, config, app } = await benchEnvironment('steward_bench_ingest', {
    STEWARD_PROCESS_ROLE: 'api',
  });
  // In this process: fixtures and the COPY side. The API under test: its own process (with
  // STEWARD_BENCH_CPU_PROF=<dir>, profiled).
  const server = await spawnBenchApi(database, config);
  try {
    await app.get(EventPartitions).createAhead();
    await ingestAgainstCopy(app, server.url, server.child.pid!, database.url);
    reportAnalytics(await analyticsQueries(app, server.url, database.url));
  } finally {
    await server.stop();
    await app.close();
    await dropTestDatabase(database.name);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
