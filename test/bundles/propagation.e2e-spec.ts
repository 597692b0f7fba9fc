import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { CredentialsService } from '../../apps/admin-api/src/modules/credentials/credentials.service';
import { StaleBundlesSweep } from '../../apps/admin-api/src/modules/bundles/stale-bundles-sweep';
import { JobName } from '../../apps/admin-api/src/platform/jobs/job-names';
import { startEmbeddedTestApi, startTestApi, TEST_SECRET_KEY } from '../support/api';
import type { TestApi } from '../support/api';
import { pollBundleUntil, pullBundle } from '@steward/testing';
import { createFleet } from '../support/fleet';
import type { Fleet } from '../support/fleet';
import { buildOnce, startServerProcess } from '@steward/testing';

function scim(base: string, fleet: Fleet, method: string, path: string) {
  return fetch(`${base}/scim/v2${path}`, {
    method,
    headers: { authorization: `Bearer ${fleet.scimToken}` },
  });
}

async function outboxRows(api: TestApi, organizationId: string): Promise<number> {
  const [row] = await api.prisma.$queryRaw<{ count: bigint }[]>`
    SELECT count(*) AS count FROM "PropagationOutbox" WHERE "organizationId" = ${organizationId}::uuid`;
  return Number(row!.count);
}

// The propagation outbox on the production shape: a committed change is delivered even when the
// process that committed it died before anything dispatched it, and the sweep republishes a
// subject whose bundle is older than its inputs when no outbox record says so.
describe('propagation: the outbox survives the death of the process that wrote it', () => {
  const queuePrefix = `steward-propagation-${randomBytes(4).toString('hex')}`;
  const env = { STEWARD_QUEUE_PREFIX: queuePrefix, STEWARD_SECRET_KEY: TEST_SECRET_KEY };
  let fleet: Fleet;
  let api: TestApi | undefined;

  beforeAll(async () => {
    await buildOnce();
    const setup = await startTestApi(env);
    try {
      fleet = await createFleet(setup, setup.url, ['erin@outbox.example', 'frank@outbox.example']);
    } finally {
      await setup.close();
    }
  }, 120_000);

  afterAll(async () => {
    await api?.close();
  });

  it('delivers a change whose dispatch was interrupted, and sweeps a bundle older than its inputs', async () => {
    const [erin, frank] = fleet.endpoints as [Fleet['endpoints'][0], Fleet['endpoints'][0]];
    const org = fleet.organizationId;
    // An HTTP-only process takes the SCIM deletion and is killed right after answering: it commits
    // the change and its outbox record, and nothing has dispatched it.
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'steward-propagation-'));
    const writer = await startServerProcess({
      ...env,
      DATABASE_URL: process.env.DATABASE_URL,
      REDIS_URL: process.env.REDIS_URL,
      STEWARD_DATA_DIR: dataDir,
      STEWARD_PROCESS_ROLE: 'api',
      PORT: '0',
    });
    let held;
    try {
      held = await pullBundle(writer.url, org, erin);
      expect(held.bundle.access).toBe('granted');
      expect((await scim(writer.url, fleet, 'DELETE', `/Users/${erin.userId}`)).status).toBe(204);
    } finally {
      await writer.stop('SIGKILL');
      fs.rmSync(dataDir, { recursive: true, force: true });
    }

    // A dispatcher had claimed it when it died: the record is leased for a while yet.
    const database = new Client({ connectionString: process.env.DATABASE_URL });
    await database.connect();
    try {
      const leased = await database.query(
        `UPDATE "PropagationOutbox" SET "availableAt" = LOCALTIMESTAMP + interval '3 seconds',
           attempts = 1
         WHERE "organizationId" = $1::uuid`,
        [org],
      );
      expect(leased.rowCount).toBe(1);
    } finally {
      await database.end();
    }
    api = await startTestApi(env);

    // Once the lease runs out, this process's dispatcher delivers it: Erin's endpoint is revoked.
    const revoked = await pollBundleUntil(api.url, org, erin, held, (b) => b.access === 'revoked');
    expect(revoked.bundle.policy.capabilities).toEqual({});
    await api.jobs.drain();
    expect(await outboxRows(api, org)).toBe(0);

    // A change that reached the database without an outbox record (here, written behind the API's
    // back): the sweep finds Frank's granted bundle older than his deactivation and revokes it. A
    // sweep first, so that the one after it reads only the people written since.
    await api.get(StaleBundlesSweep).run();
    const frankHeld = await pullBundle(api.url, org, frank);
    expect(frankHeld.bundle.access).toBe('granted');
    await api.prisma.directoryUser.update({
      where: { id: frank.userId },
      data: { active: false, updatedAt: new Date() },
    });
    await api.jobs.enqueue(JobName.BundlesSweep);
    await api.jobs.drain();
    const frankNow = await pullBundle(api.url, org, frank);
    expect(frankNow.bundle).toMatchObject({
      access: 'revoked',
      version: frankHeld.bundle.version + 1,
    });
    // Swept again, nothing is stale: no further version.
    await api.jobs.enqueue(JobName.BundlesSweep);
    await api.jobs.drain();
    expect((await pullBundle(api.url, org, frank)).bundle.version).toBe(frankNow.bundle.version);

    // A change stamped long before the last sweep (a restored backup, a clock that was behind) is
    // not among the people written since: the sweeps between full ones pass it by, and the next
    // full sweep (a process's first, else hourly) grants Frank access again.
    await api.prisma.directoryUser.update({
      where: { id: frank.userId },
      data: { active: true, updatedAt: new Date(Date.now() - 3 * 3_600_000) },
    });
    expect(await api.get(StaleBundlesSweep).run()).toMatchObject({ full: false });
    const frankStill = await pullBundle(api.url, org, frank);
    expect(frankStill.bundle).toMatchObject({
      access: 'revoked',
      version: frankNow.bundle.version,
    });
    await api.close();
    api = await startTestApi(env);
    // (The new process's scheduled sweep may be the one that does it.)
    await api.get(StaleBundlesSweep).run();
    const granted = await pollBundleUntil(
      api.url,
      org,
      frank,
      frankStill,
      (b) => b.access === 'granted',
    );
    expect(granted.bundle.version).toBe(frankNow.bundle.version + 1);
  }, 90_000);
});

// The embedded default (PGlite, no Redis: in-process jobs and bus): a SCIM deletion reaches the
// endpoint through the same outbox.
describe('propagation on the embedded database', () => {
  let api: TestApi;
  let fleet: Fleet;

  beforeAll(async () => {
    api = await startEmbeddedTestApi();
    fleet = await createFleet(api, api.url, ['gina@embedded.example', 'hal@embedded.example']);
  }, 120_000);

  afterAll(() => api?.close());

  it('revokes a deleted person’s endpoint and leaves the others alone', async () => {
    const [gina, hal] = fleet.endpoints as [Fleet['endpoints'][0], Fleet['endpoints'][0]];
    const org = fleet.organizationId;
    const ginaHeld = await pullBundle(api.url, org, gina);
    const halHeld = await pullBundle(api.url, org, hal);
    const waiting = pollBundleUntil(api.url, org, gina, ginaHeld, (b) => b.access === 'revoked');
    expect((await scim(api.url, fleet, 'DELETE', `/Users/${gina.userId}`)).status).toBe(204);
    expect((await waiting).bundle.version).toBe(ginaHeld.bundle.version + 1);
    await api.jobs.drain();
    expect(await outboxRows(api, org)).toBe(0);
    expect((await pullBundle(api.url, org, hal)).etag).toBe(halHeld.etag);
    // The sweep behind the outbox runs here too (Hal's deactivation written behind its back).
    await api.prisma.directoryUser.update({
      where: { id: hal.userId },
      data: { active: false, updatedAt: new Date() },
    });
    expect(await api.get(StaleBundlesSweep).run()).toMatchObject({ published: 1 });
    expect((await pullBundle(api.url, org, hal)).bundle.access).toBe('revoked');
    // A revocation is one transaction, which holds the embedded database's one session: every read
    // in it goes through it (a read on another connection would wait for it forever).
    const credentials = api.get(CredentialsService);
    const issued = await credentials.issue(org, 'enrolment', { actor: { type: 'operator' } });
    await expect(credentials.revoke(issued.id, { type: 'operator' })).resolves.toMatchObject({
      id: issued.id,
    });
  }, 60_000);
});
