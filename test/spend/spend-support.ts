import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { GovernanceService } from '../../apps/admin-api/src/modules/governance/governance.service';
import type { TestApi } from '../support/api';
import { telemetryFixture } from '../telemetry/events';

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

// The built API as its own process (`node dist/apps/admin-api/src/main.js`), ready once it says so.
export function spawnApi(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['dist/apps/admin-api/src/main.js'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'error',
      STEWARD_SECRET_KEY: 'test-secret-key-0123456789abcdefghijklmnopqrstuv',
      STEWARD_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'steward-api-')),
      DATABASE_URL: process.env.DATABASE_URL!,
      REDIS_URL: process.env.REDIS_URL!,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('is running')) resolve(child);
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`API exited (${code}):\n${output}`)));
  });
}

export function stopped(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export interface SpendFixture {
  organizationId: string;
  userId: string;
  endpointId: string;
  secret: string;
  groupId: string;
  limit(
    subject: 'user' | 'group',
    amountUsd: string,
    options?: {
      period?: 'day' | 'week' | 'month';
      enforcement?: 'hard' | 'soft';
      alertThresholds?: number[];
    },
  ): Promise<string>;
}

// An organization (in `timeZone`) with one user on an enrolled endpoint, in one team.
export async function spendFixture(
  api: TestApi,
  name: string,
  timeZone = 'UTC',
): Promise<SpendFixture> {
  const org = await telemetryFixture(api, name);
  await api.prisma.organization.update({ where: { id: org.organizationId }, data: { timeZone } });
  const endpoint = await org.enrol('alice');
  const group = await api.prisma.directoryGroup.create({
    data: { organizationId: org.organizationId, displayName: 'Engineering' },
  });
  await api.prisma.directoryGroupMember.create({
    data: { organizationId: org.organizationId, groupId: group.id, userId: endpoint.userId },
  });
  return {
    organizationId: org.organizationId,
    userId: endpoint.userId,
    endpointId: endpoint.endpointId,
    secret: endpoint.secret,
    groupId: group.id,
    async limit(subject, amountUsd, options = {}) {
      const limit = await api.get(GovernanceService).createSpendLimit(
        org.organizationId,
        {
          subjectType: subject,
          subjectId: subject === 'user' ? endpoint.userId : group.id,
          amountUsd,
          period: options.period ?? 'day',
          enforcement: options.enforcement ?? 'hard',
          alertThresholds: options.alertThresholds ?? [],
        },
        { type: 'operator', id: 'test' },
      );
      return limit.id;
    },
  };
}

export interface Reply {
  status: number;
  body: Record<string, unknown>;
}

export async function post(url: string, secret: string, body: unknown): Promise<Reply> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export const lease = (base: string, secret: string, body: Record<string, unknown>) =>
  post(`${base}/api/v1/endpoints/spend/leases`, secret, body);

export const settle = (base: string, secret: string, id: string, body: Record<string, unknown>) =>
  post(`${base}/api/v1/endpoints/spend/leases/${id}/settle`, secret, body);
