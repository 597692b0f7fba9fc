import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { AgentEvent, createEvent, EventSubject } from '@steward/telemetry';
import { AuditVerifier } from '../../apps/admin-api/src/modules/audit/audit-verifier';
import { startTestApi, TEST_SECRET_KEY, TestApi } from '../support/api';
import { freePort, startServerProcess, stopProcess } from '@steward/testing';
import type { ServerProcess } from '@steward/testing';
import { telemetryFixture } from './events';

const BATCHES = 100;
const EVENTS_PER_BATCH = 200;
// The runtime's back-off between retries of an upload that got no answer.
const RETRY_BACKOFF_MS = 50;

// The built API as its own process on `port` (kept across a restart, as a runtime's URL is).
function startApi(port: number, env: Record<string, string>): Promise<ServerProcess> {
  return startServerProcess({
    ...process.env,
    PORT: String(port),
    LOG_LEVEL: 'error',
    STEWARD_SECRET_KEY: TEST_SECRET_KEY,
    STEWARD_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'steward-api-')),
    ...env,
  });
}

function toolCalls(subject: EventSubject, count: number, start: number): AgentEvent[] {
  return Array.from({ length: count }, (_, i) =>
    createEvent(
      subject,
      {
        type: 'tool.called',
        tool: 'github/search_issues',
        connector: 'github',
        mcpTool: 'search_issues',
        access: 'read',
        decision: 'allow',
        rule: 'role:engineers',
        outcome: 'ok',
        durationMs: 5,
      },
      new Date(start + i),
    ),
  );
}

// The runtime's upload loop: a batch is retried, unchanged, until the API answers 200.
async function uploadUntilAccepted(
  url: () => string,
  secret: string,
  events: AgentEvent[],
): Promise<{ stored: number; duplicates: number }> {
  for (;;) {
    try {
      const response = await fetch(`${url()}/api/v1/endpoints/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ events }),
      });
      if (response.status === 200) {
        return (await response.json()) as { stored: number; duplicates: number };
      }
      await response.arrayBuffer();
    } catch {
      // No answer (the process died mid-request): retry.
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_BACKOFF_MS));
  }
}

describe('ingest under failure', () => {
  let api: TestApi;
  const children = new Set<ChildProcess>();
  const killed = (child: ChildProcess) => stopProcess(child, 'SIGKILL');

  beforeAll(async () => {
    execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'ignore' });
    // Fixtures and assertions only: no jobs here, so what catches up is the API under test.
    api = await startTestApi({ STEWARD_PROCESS_ROLE: 'api' });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...children].map(killed));
    await api.close();
  });

  async function countStored(organizationId: string) {
    const [row] = await api.prisma.$queryRaw<{ total: bigint; distinct: bigint }[]>`
      SELECT count(*) AS total, count(DISTINCT id) AS distinct FROM "AgentEvent"
      WHERE "organizationId" = ${organizationId}::uuid`;
    const audited = await api.prisma.$queryRaw<{ sum: bigint }[]>`
      SELECT coalesce(sum((data->>'count')::int), 0) AS sum FROM "AuditEvent"
      WHERE "organizationId" = ${organizationId}::uuid AND action = 'agent.events.ingested'`;
    return { total: row!.total, distinct: row!.distinct, audited: BigInt(audited[0]!.sum) };
  }

  it('stores every event exactly once when the API is killed mid-stream and restarted', async () => {
    const org = await telemetryFixture(api, 'Crash Co');
    const endpoint = await org.enrol('grace');
    const port = await freePort();
    const env = { DATABASE_URL: process.env.DATABASE_URL!, REDIS_URL: process.env.REDIS_URL! };
    let server = await startApi(port, env);
    children.add(server.child);
    const url = () => `http://127.0.0.1:${port}`;

    const start = Date.now() - 3600_000;
    const batches = Array.from({ length: BATCHES }, (_, b) =>
      toolCalls(
        endpoint.subject(`session-${b % 7}`),
        EVENTS_PER_BATCH,
        start + b * EVENTS_PER_BATCH,
      ),
    );
    let acknowledged = 0;
    let restarted: Promise<void> | null = null;
    const crashAt = Math.floor(BATCHES / 3);
    const queue = [...batches];
    const sender = async () => {
      for (let batch = queue.shift(); batch; batch = queue.shift()) {
        await uploadUntilAccepted(url, endpoint.secret, batch);
        acknowledged++;
        if (acknowledged === crashAt) {
          // Other senders are mid-request: their batches die with the process and are retried.
          restarted = server.stop('SIGKILL').then(async () => {
            server = await startApi(port, env);
            children.add(server.child);
          });
        }
      }
    };
    await Promise.all(Array.from({ length: 4 }, sender));
    expect(restarted).not.toBeNull();
    await restarted;

    const stored = await countStored(org.organizationId);
    const expected = BigInt(BATCHES * EVENTS_PER_BATCH);
    expect(stored).toEqual({ total: expected, distinct: expected, audited: expected });
    expect(await api.get(AuditVerifier).verify(org.organizationId)).toMatchObject({ ok: true });
    await server.stop('SIGKILL');
  }, 180_000);

  describe('with Redis down', () => {
    let redis: ChildProcess;
    let redisPort: number;
    let receiver: Server;
    let receivedOrg: (organizationId: string) => Promise<void>;

    function startRedis(): Promise<ChildProcess> {
      const process_ = spawn(
        'redis-server',
        ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        { stdio: ['ignore', 'pipe', 'ignore'] },
      );
      children.add(process_);
      return new Promise((resolve) => {
        process_.stdout!.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('Ready to accept connections')) resolve(process_);
        });
      });
    }

    beforeAll(async () => {
      redisPort = await freePort();
      redis = await startRedis();
      const waiters = new Map<string, () => void>();
      receiver = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk: Buffer) => (body += chunk.toString()));
        request.on('end', () => {
          response.writeHead(200).end('{}');
          for (const [organizationId, resolve] of waiters) {
            if (body.includes(organizationId)) resolve();
          }
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      receivedOrg = (organizationId) =>
        new Promise((resolve) => waiters.set(organizationId, resolve));
    });

    afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

    it('still accepts uploads, and the jobs catch up once Redis is back', async () => {
      const org = await telemetryFixture(api, 'Redis Outage Co');
      const endpoint = await org.enrol('heidi');
      await api.prisma.telemetryCollector.create({
        data: {
          organizationId: org.organizationId,
          endpoint: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/logs`,
          hashKey: 'k',
        },
      });
      const port = await freePort();
      const server = await startApi(port, {
        DATABASE_URL: process.env.DATABASE_URL!,
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        STEWARD_QUEUE_PREFIX: 'steward-outage',
      });
      children.add(server.child);

      await killed(redis);
      const events = toolCalls(endpoint.subject(), 50, Date.now() - 60_000);
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/endpoints/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${endpoint.secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ events }),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ stored: 50, rejected: [] });
      expect(await countStored(org.organizationId)).toMatchObject({ total: 50n });
      // What the jobs will need is in Postgres: the forwarding outbox and the day to roll up.
      expect(
        await api.prisma.telemetryForwardOutbox.count({
          where: { organizationId: org.organizationId },
        }),
      ).toBe(1);
      expect(
        await api.prisma.analyticsRollupPending.count({
          where: { organizationId: org.organizationId },
        }),
      ).toBe(1);

      // Redis returns: the API's periodic forwarding sweep delivers the batch.
      const delivered = receivedOrg(org.organizationId);
      redis = await startRedis();
      await delivered;
      await server.stop('SIGKILL');
    }, 120_000);
  });
});
