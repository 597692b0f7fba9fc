import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SpendLimitsService } from '../../apps/admin-api/src/modules/spend/spend-limits.service';
import { TEST_SECRET_KEY } from '@steward/testing';
import type { TestApi } from '../support/api';
import { startServerProcess } from '@steward/testing';
import type { ServerProcess } from '@steward/testing';
import { telemetryFixture } from '../telemetry/events';

// The built API as its own process, on this run's database and Redis.
export function startApi(): Promise<ServerProcess> {
  return startServerProcess({
    ...process.env,
    LOG_LEVEL: 'error',
    PORT: '0',
    STEWARD_SECRET_KEY: TEST_SECRET_KEY,
    STEWARD_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'steward-api-')),
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
      const limit = await api.get(SpendLimitsService).create(
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
