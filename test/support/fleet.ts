import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CredentialsService } from '../../apps/admin-api/src/modules/credentials/credentials.service';
import { OrganizationsService } from '../../apps/admin-api/src/modules/organizations/organizations.service';
import { SessionsService } from '../../apps/admin-api/src/modules/auth/sessions.service';
import {
  CSRF_COOKIE,
  CSRF_HEADER,
  SESSION_COOKIE,
} from '../../apps/admin-api/src/modules/auth/admin-principal';
import { PrismaService } from '../../apps/admin-api/src/platform/database/prisma.service';
import { startServerProcess } from '@steward/testing';
import type { ServerProcess } from '@steward/testing';

// An organization with people on enrolled endpoints, an admin's console session and a SCIM token,
// made through the services of an API in this process (at `apiUrl`); the fault tests and the
// propagation bench then drive separate API processes with it.

interface Services {
  get<T>(token: new (...args: never[]) => T): T;
}

export interface FleetEndpoint {
  userName: string;
  userId: string;
  endpointId: string;
  credential: string;
  // The signed trust set the endpoint received at enrolment (verifies its bundles).
  trustSet: string;
}

export interface Fleet {
  organizationId: string;
  scimToken: string;
  enrolmentToken: string;
  // Headers of a signed-in owner's console requests (cookies and CSRF).
  adminHeaders: Record<string, string>;
  endpoints: FleetEndpoint[];
}

export async function createFleet(
  app: Services,
  apiUrl: string,
  userNames: string[],
): Promise<Fleet> {
  const organization = await app
    .get(OrganizationsService)
    .create(`Fleet ${Math.random().toString(36).slice(2)}`, { type: 'operator' });
  const organizationId = organization.id;
  const credentials = app.get(CredentialsService);
  const actor = { actor: { type: 'operator' as const, id: 'test' } };
  const scim = await credentials.issue(organizationId, 'scim', actor);
  const enrolment = await credentials.issue(organizationId, 'enrolment', actor);
  const prisma = app.get(PrismaService);
  const admin = await prisma.admin.create({
    data: { organizationId, email: 'owner@fleet.example', role: 'owner', source: 'saml' },
  });
  const session = await app.get(SessionsService).start(organizationId, admin.id);
  await prisma.directoryUser.createMany({
    data: userNames.map((userName) => ({
      organizationId,
      userName,
      userNameLower: userName.toLowerCase(),
    })),
  });
  const endpoints: FleetEndpoint[] = [];
  // A few at a time: each enrolment signs a bundle.
  for (let start = 0; start < userNames.length; start += 20) {
    endpoints.push(
      ...(await Promise.all(
        userNames.slice(start, start + 20).map(async (userName) => {
          const response = await fetch(`${apiUrl}/api/v1/endpoints/enrol`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${enrolment.secret}`,
              'content-type': 'application/json',
            },
            body: JSON.stringify({
              user: userName,
              deviceName: `${userName}-laptop`,
              os: 'linux',
              runtimeVersion: '0.1.0',
            }),
          });
          if (response.status !== 201) {
            throw new Error(
              `enrolment of ${userName}: ${response.status} ${await response.text()}`,
            );
          }
          const body = (await response.json()) as {
            endpointId: string;
            userId: string;
            credential: string;
            trustSet: string;
          };
          return { userName, ...body };
        }),
      )),
    );
  }
  return {
    organizationId,
    scimToken: scim.secret,
    enrolmentToken: enrolment.secret,
    adminHeaders: {
      cookie: `${SESSION_COOKIE}=${session.token}; ${CSRF_COOKIE}=${session.csrfToken}`,
      [CSRF_HEADER]: session.csrfToken,
      'content-type': 'application/json',
    },
    endpoints,
  };
}

export interface Deployment {
  apis: ServerProcess[];
  worker: ServerProcess;
  processes: ServerProcess[];
  stop(): Promise<void>;
}

// The production shape: `apiCount` API processes (STEWARD_PROCESS_ROLE=api) and one worker on one
// database and one Redis.
export async function startDeployment(options: {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  secretKey: string;
  apiCount?: number;
  logLevel?: string;
}): Promise<Deployment> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'steward-deployment-'));
  const shared = {
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    STEWARD_QUEUE_PREFIX: options.queuePrefix,
    STEWARD_SECRET_KEY: options.secretKey,
    STEWARD_DATA_DIR: dataDir,
    // Unset: the default level, as an operator runs it.
    LOG_LEVEL: options.logLevel,
    PORT: '0',
  };
  const started = await Promise.allSettled([
    ...Array.from({ length: options.apiCount ?? 2 }, () =>
      startServerProcess({ ...shared, STEWARD_PROCESS_ROLE: 'api' }),
    ),
    startServerProcess(shared, 'dist/apps/admin-api/src/worker.js', /worker is running jobs/),
  ]);
  const processes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stop = async () => {
    await Promise.all(processes.map((p) => p.stop()));
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await stop();
    throw (failed as PromiseRejectedResult).reason;
  }
  return { apis: processes.slice(0, -1), worker: processes.at(-1)!, processes, stop };
}
