// npm run bench -- bundle-pull
// 1. Bundle pulls through the real API (NestJS + Fastify, Postgres, Redis), built and in its own
//    process as in production, against a bare node:http server in its own process answering the
//    same bytes and the same 304 from memory; 200 keep-alive clients from this process,
//    alternated A/B so both see the same machine load; ratios printed.
// 2. 5,000 idle long-polls held, with the API's memory before and after.
// 3. Compile and sign bundles for 10,000 users with 200 connectors (50 tools each).
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {
  compilePolicy,
  encodePolicy,
  generateSigningKey,
  policyDigest,
  signBundle,
} from '@steward/policy';
import type { BundleHeader, ConnectorSource, EncodedPolicy, RoleGrant } from '@steward/policy';
import { CredentialsService } from '../apps/admin-api/src/modules/credentials/credentials.service';
import { OrganizationsService } from '../apps/admin-api/src/modules/organizations/organizations.service';
import { PrismaService } from '../apps/admin-api/src/platform/database/prisma.service';
import { dropTestDatabase } from '@steward/testing';
import { benchEnvironment, listenOnLoopback, spawnBenchApi } from './support';
import { machineLoad, reportResult } from './result';

const CONNECTIONS = 200;
const SECONDS = 5;
const ROUNDS = 5;

// CPU time (user + system) a process has used so far, in µs (Linux, 100 ticks a second).
function cpuMicros(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

// Requests per second, and the server's CPU per request (less moved by the machine's load).
async function load(
  server: { url: string; pid: number },
  headers: Record<string, string>,
  expect: number,
): Promise<{ rate: number; cpu: number }> {
  const cpuBefore = cpuMicros(server.pid);
  const result = await autocannon({
    url: server.url,
    connections: CONNECTIONS,
    duration: SECONDS,
    headers,
  });
  const other = Object.keys(result.statusCodeStats ?? {}).filter((code) => Number(code) !== expect);
  if (other.length || result.errors) {
    throw new Error(`unexpected statuses ${other.join(', ')} or ${result.errors} errors`);
  }
  return {
    rate: result.requests.average,
    cpu: (cpuMicros(server.pid) - cpuBefore) / result.requests.total,
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

// Both servers in turn, ROUNDS times; the median round's ratio (each round's two runs saw the
// same machine load), with both servers' CPU per request.
async function compare(
  what: string,
  api: { url: string; pid: number },
  bare: { url: string; pid: number },
  headers: Record<string, string>,
  expect: number,
  goal: number,
): Promise<void> {
  const rounds: { api: { rate: number; cpu: number }; bare: { rate: number; cpu: number } }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const bareRun = await load(bare, headers, expect);
    rounds.push({ bare: bareRun, api: await load(api, headers, expect) });
  }
  const ratios = rounds.map((round) => round.api.rate / round.bare.rate);
  const ratio = median(ratios);
  const { api: ours, bare: theirs } = rounds[ratios.indexOf(ratio)]!;
  console.log(
    `${what}: API ${ours.rate.toFixed(0)} req/s, bare node:http ${theirs.rate.toFixed(0)} req/s: ` +
      `${ratio.toFixed(2)}x (rounds ${ratios.map((r) => r.toFixed(2)).join(', ')}; goal ≥ ${goal}); ` +
      `CPU per request API ${median(rounds.map((r) => r.api.cpu)).toFixed(1)} µs, ` +
      `bare ${median(rounds.map((r) => r.bare.cpu)).toFixed(1)} µs; ${machineLoad()}`,
  );
  reportResult({
    figure: what,
    value: Math.round(ours.rate),
    unit: 'req/s',
    peer: 'bare node:http (own process)',
    peerValue: Math.round(theirs.rate),
    ratio,
    goal: `ratio ≥ ${goal}`,
    met: ratio >= goal,
  });
}

// The peer: node:http answering the bundle's 304 and 200 from memory, in a process of its own.
// The peer answers with the very status lines and headers the API sent (node:http adds the same
// date and keep-alive headers to both), from memory.
const BARE_SERVER = `
const http = require('node:http');
const fs = require('node:fs');
const etag = process.env.ETAG;
const notModified = JSON.parse(process.env.HEADERS_304);
const ok = JSON.parse(process.env.HEADERS_200);
const body = fs.readFileSync(process.env.BODY_FILE);
const server = http.createServer((req, res) => {
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, notModified);
    res.end();
    return;
  }
  res.writeHead(200, ok);
  res.end(body);
});
server.listen(0, '127.0.0.1', () => console.log('port ' + server.address().port));
`;

// A response's own headers, without those node:http writes for every response.
function ownHeaders(response: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (!['date', 'connection', 'keep-alive', 'transfer-encoding'].includes(name)) {
      headers[name] = value;
    }
  });
  return headers;
}

async function spawnBareServer(
  etag: string,
  body: Buffer,
  headers: { notModified: Record<string, string>; ok: Record<string, string> },
) {
  const bodyFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-bare-')), 'body');
  fs.writeFileSync(bodyFile, body);
  const child = spawn(process.execPath, ['-e', BARE_SERVER], {
    env: {
      ETAG: etag,
      BODY_FILE: bodyFile,
      HEADERS_304: JSON.stringify(headers.notModified),
      HEADERS_200: JSON.stringify(headers.ok),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  const port = /port (\d+)/.exec(line.toString())![1];
  return {
    url: `http://127.0.0.1:${port}/api/v1/endpoints/bundle`,
    pid: child.pid!,
    stop: async () => {
      child.kill();
      await once(child, 'exit');
      fs.rmSync(path.dirname(bodyFile), { recursive: true, force: true });
    },
  };
}

// One endpoint enrolled through the API as the runtime enrols, and its first bundle.
async function enrolledEndpoint(app: NestFastifyApplication, api: string) {
  const org = await app.get(OrganizationsService).create('Bench', { type: 'operator' });
  await app.get(PrismaService).directoryUser.create({
    data: {
      organizationId: org.id,
      userName: 'bench@example.com',
      userNameLower: 'bench@example.com',
    },
  });
  const token = await app
    .get(CredentialsService)
    .issue(org.id, 'enrolment', { actor: { type: 'operator' } });
  const enrolled = (await (
    await fetch(`${api}/api/v1/endpoints/enrol`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        user: 'bench@example.com',
        deviceName: 'bench',
        os: 'linux',
        runtimeVersion: '0',
      }),
    })
  ).json()) as { credential: string };
  const auth = { authorization: `Bearer ${enrolled.credential}` };
  const first = await fetch(`${api}/api/v1/endpoints/bundle`, { headers: auth });
  const etag = first.headers.get('etag')!;
  const body = Buffer.from(await first.arrayBuffer());
  const unchanged = await fetch(`${api}/api/v1/endpoints/bundle`, {
    headers: { ...auth, 'if-none-match': etag },
  });
  await unchanged.arrayBuffer();
  return {
    auth,
    etag,
    body,
    headers: { notModified: ownHeaders(unchanged), ok: ownHeaders(first) },
  };
}

// Idle long-polls: each its own keep-alive socket, held until the API's 60 s wait ends. Live
// memory after a full collection: RSS on this shared machine also moves with pages the earlier
// load phase hands back to the OS, which once made the figure negative. Held by the API in this
// process, whose memory this process can see.
async function heldPollMemory(
  app: NestFastifyApplication,
  auth: Record<string, string>,
  etag: string,
) {
  const liveBytes = () => {
    global.gc?.();
    const usage = process.memoryUsage();
    return usage.heapUsed + usage.external;
  };
  const local = `${await listenOnLoopback(app)}/api/v1/endpoints/bundle`;
  const before = liveBytes();
  const rssBefore = process.memoryUsage().rss;
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const POLLS = 5000;
  const requests: http.ClientRequest[] = [];
  for (let i = 0; i < POLLS; i++) {
    const request = http.get(`${local}?wait=60`, {
      agent,
      headers: { ...auth, 'if-none-match': etag },
    });
    request.on('error', () => undefined);
    requests.push(request);
  }
  const { BundleFeed } = await import('../apps/admin-api/src/modules/endpoints/bundle-feed');
  const feed = app.get(BundleFeed);
  while (feed.heldPolls < POLLS) await new Promise((resolve) => setImmediate(resolve));
  const after = liveBytes();
  const rssAfter = process.memoryUsage().rss;
  console.log(
    `long-polls held: ${feed.heldPolls}; live memory +${((after - before) / 2 ** 20).toFixed(1)} MiB (${((after - before) / POLLS / 1024).toFixed(1)} KiB per poll, client sockets included); RSS ${(rssBefore / 2 ** 20).toFixed(0)} → ${(rssAfter / 2 ** 20).toFixed(0)} MiB`,
  );
  reportResult({
    figure: `memory per held long-poll (${POLLS} held)`,
    value: (after - before) / POLLS / 1024,
    unit: 'KiB',
    goal: 'measured (sizing input)',
    met: after > before,
  });
  for (const request of requests) request.destroy();
  agent.destroy();
}

async function httpComparison() {
  const { database, config, app } = await benchEnvironment('steward_bench');
  const server = await spawnBenchApi(database, config);
  try {
    const { auth, etag, body, headers } = await enrolledEndpoint(app, server.url);
    const bare = await spawnBareServer(etag, body, headers);
    console.log(
      `bundle body: ${body.length} bytes; ${CONNECTIONS} keep-alive clients, ${ROUNDS}×${SECONDS}s A/B`,
    );
    const apiServer = { url: `${server.url}/api/v1/endpoints/bundle`, pid: server.child.pid! };
    const bareServer = { url: bare.url, pid: bare.pid };
    const unchanged = { ...auth, 'if-none-match': etag };
    await load(apiServer, unchanged, 304);
    await compare('bundle pull 304 (ETag unchanged)', apiServer, bareServer, unchanged, 304, 0.8);
    await compare(
      `bundle pull 200 (${(body.length / 1024).toFixed(0)} KB bundle)`,
      apiServer,
      bareServer,
      auth,
      200,
      0.7,
    );
    await bare.stop();
    await server.stop();
    console.log(machineLoad());
    await heldPollMemory(app, auth, etag);
  } finally {
    await server.stop();
    await app.close();
    await dropTestDatabase(database.name);
  }
}

// 200 connectors of 50 tools each and 20 roles over them (role 0 holds all connectors).
function signingFixtures() {
  const connectors: ConnectorSource[] = Array.from({ length: 200 }, (_, c) => ({
    name: `connector-${c}`,
    transport: 'stdio',
    tools: Array.from({ length: 50 }, (_, t) => ({
      name: `tool_${t}`,
      kind: t % 2 ? 'write' : 'read',
      destructive: t % 2 === 1,
      approved: true,
    })),
  }));
  const roles = Array.from({ length: 20 }, (_, r) => ({
    id: `role-${r}`,
    name: `Role ${r}`,
    capabilities: ['agent', 'connectors', 'web'],
    connectorRules: connectors
      .filter((_, c) => c % 20 === r || r === 0)
      .map((connector) => ({
        connector: connector.name,
        read: 'allow' as const,
        write: 'ask' as const,
      })),
    folderRoots: [{ pattern: `~/Work/team-${r}`, access: 'read_write' as const }],
  }));
  return { connectors, roles };
}

function compileAndSign() {
  const USERS = 10_000;
  const { connectors, roles } = signingFixtures();
  const key = generateSigningKey();
  const started = process.hrtime.bigint();
  // Users in the same groups share their effective policy: it is compiled and serialised once per
  // distinct set of grants, then each subject's header is signed.
  const shared = new Map<string, EncodedPolicy>();
  let bytesTotal = 0;
  for (let u = 0; u < USERS; u++) {
    const groups = [0, 1 + (u % 19)];
    const classKey = groups.join(',');
    let policy = shared.get(classKey);
    if (!policy) {
      const grants: RoleGrant[] = groups.map((g) => ({
        role: roles[g]!,
        via: { kind: 'group', groupId: `group-${g}`, groupName: `Group ${g}` },
      }));
      const compiled = compilePolicy({
        user: { id: `user-${u}`, active: true },
        grants,
        connectors,
      });
      const bytes = encodePolicy(compiled);
      policy = { bytes, digest: policyDigest(bytes) };
      shared.set(classKey, policy);
    }
    const header: BundleHeader = {
      formatVersion: 1,
      kind: 'policy-bundle',
      org: 'org',
      subject: { userId: `user-${u}`, endpointId: `endpoint-${u}` },
      access: 'granted',
      version: 1,
      issuedAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      keyId: key.keyId,
      policyDigest: policy.digest,
      telemetry: {
        controlPlane: true,
        otlp: null,
        redaction: { prompts: 'keep', commands: 'keep', paths: 'keep' },
      },
      spend: { leaseRequired: true, maxLeaseUsd: 1, offlineAllowanceUsd: 0 },
    };
    // What BundlesService stores per subject: the signed header; the envelope around it and the
    // shared policy bytes is assembled when served.
    const signed = signBundle(header, policy, key);
    bytesTotal += signed.payload.length + signed.signature.length;
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const sample = [...shared.values()][0]!.bytes.length;
  reportResult({
    figure: `compile + sign bundles for ${USERS} users`,
    value: ms,
    unit: 'ms',
    goal: '≤ 2000 ms',
    met: ms <= 2000,
  });
  console.log(
    `compile + sign: ${USERS} users, 200 connectors × 50 tools, ${shared.size} distinct policies (${sample} bytes each): ${ms.toFixed(0)} ms total (target ≤ 2000), ${(bytesTotal / 2 ** 20).toFixed(1)} MiB of signed headers`,
  );
}

async function main() {
  compileAndSign();
  await httpComparison();
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
