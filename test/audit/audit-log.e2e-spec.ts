import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { AuditRetentionService } from '../../apps/admin-api/src/modules/audit/audit-retention.service';
import { AuditService } from '../../apps/admin-api/src/modules/audit/audit.service';
import { AuditVerifier } from '../../apps/admin-api/src/modules/audit/audit-verifier';
import { CredentialsService } from '../../apps/admin-api/src/modules/credentials/credentials.service';
import { OrganizationsService } from '../../apps/admin-api/src/modules/organizations/organizations.service';
import { graphql, signInAdmin } from '../support/admin-session';
import { startTestApi, TestApi } from '../support/api';
import { sessionEvents, telemetryFixture, upload } from '../telemetry/events';

const run = promisify(execFile);

describe('the audit log', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
    // The CLI test runs the built `steward` (skipped by the build when nothing changed).
    execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'ignore' });
  });

  afterAll(() => api.close());

  async function organizationWithRecords(name: string, count: number) {
    const organization = await api.get(OrganizationsService).create(name, { type: 'operator' });
    await api.get(AuditService).recordMany(
      organization.id,
      Array.from({ length: count }, (_, i) => ({
        actorType: 'admin' as const,
        actorId: `admin-${i % 3}`,
        action: i % 2 ? 'role.updated' : 'connector.created',
        resourceType: i % 2 ? 'role' : 'connector',
        resourceId: `resource-${i}`,
        data: { index: i },
      })),
    );
    const records = await api.prisma.auditEvent.findMany({
      where: { organizationId: organization.id },
      orderBy: { seq: 'asc' },
    });
    return { organization, records };
  }

  // What a database administrator could do behind Steward's back: the append-only trigger is
  // bypassed the way a superuser would (replication role), inside one transaction.
  async function tamper(sql: string, ...values: unknown[]) {
    await api.prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(`SET LOCAL session_replication_role = replica`);
      await tx.$executeRawUnsafe(sql, ...values);
    });
  }

  it('refuses UPDATE, DELETE and TRUNCATE of audit records from the application', async () => {
    const { records } = await organizationWithRecords('Append Only Co', 2);
    await expect(
      api.prisma.auditEvent.update({ where: { id: records[0]!.id }, data: { action: 'x' } }),
    ).rejects.toThrow(/append-only/);
    await expect(api.prisma.auditEvent.delete({ where: { id: records[0]!.id } })).rejects.toThrow(
      /append-only/,
    );
    await expect(api.prisma.$executeRawUnsafe('TRUNCATE "AuditEvent"')).rejects.toThrow(
      /append-only/,
    );
  });

  it('chains concurrent appends of awkward data into one gap-free chain that verifies', async () => {
    // The database numbers and hashes the records (steward_audit_append); verify recomputes every
    // hash in TypeScript. Text that JSON escapes, non-ASCII, nested keys out of order and numbers
    // written differently by different serialisers must hash the same on both sides.
    const organization = await api
      .get(OrganizationsService)
      .create('Concurrent Appends Co', { type: 'operator' });
    const awkward = [
      { text: 'quote " backslash \\ newline \n tab \t', nested: { z: 1, a: [true, null, 'x'] } },
      { text: 'naïve café — 日本語 🙂 \u2028 line separator', amount: 0.1, big: 1e21, small: 5e-7 },
      { empty: {}, list: [], negative: -12.5, deep: { b: { d: 1, c: { f: 'g', e: 'h' } } } },
    ];
    const audit = api.get(AuditService);
    await Promise.all(
      Array.from({ length: 40 }, (_, writer) =>
        audit.recordMany(
          organization.id,
          Array.from({ length: 1 + (writer % 3) }, (_, i) => ({
            actorType: 'scim' as const,
            actorId: writer % 2 ? null : `idp-${writer}`,
            action: 'directory.user.created',
            resourceType: 'user',
            resourceId: writer % 5 ? `user-${writer}-${i}` : null,
            data: { writer, ...awkward[(writer + i) % awkward.length] },
          })),
        ),
      ),
    );
    const records = await api.prisma.auditEvent.findMany({
      where: { organizationId: organization.id },
      orderBy: { seq: 'asc' },
      select: { seq: true, prevHash: true, hash: true },
    });
    const appended =
      1 + Array.from({ length: 40 }, (_, writer) => 1 + (writer % 3)).reduce((a, b) => a + b);
    expect(records.map((record) => Number(record.seq))).toEqual(
      Array.from({ length: appended }, (_, i) => i + 1),
    );
    records.slice(1).forEach((record, i) => expect(record.prevHash).toBe(records[i]!.hash));
    expect(await api.get(AuditVerifier).verify(organization.id)).toMatchObject({
      ok: true,
      checked: appended,
      firstBad: null,
    });
  });

  it('verifies an intact chain and names the first edited, deleted or reordered record', async () => {
    const verifier = api.get(AuditVerifier);

    const edited = await organizationWithRecords('Edited Co', 20);
    expect(await verifier.verify(edited.organization.id)).toMatchObject({
      ok: true,
      checked: 21, // 20 plus the organization's creation
      firstBad: null,
    });
    const victim = edited.records[7]!;
    await tamper(`UPDATE "AuditEvent" SET data = '{"index": 999}' WHERE id = $1`, victim.id);
    expect(await verifier.verify(edited.organization.id)).toMatchObject({
      ok: false,
      firstBad: { seq: victim.seq.toString(), id: victim.id.toString(), problem: 'edited' },
    });

    // An editor who also recomputes the record's own hash breaks the next record's link.
    const rehashed = await organizationWithRecords('Rehashed Co', 10);
    const target = rehashed.records[4]!;
    await tamper(`UPDATE "AuditEvent" SET hash = repeat('a', 64) WHERE id = $1`, target.id);
    expect((await verifier.verify(rehashed.organization.id)).firstBad).toMatchObject({
      seq: target.seq.toString(),
    });

    const deleted = await organizationWithRecords('Deleted Co', 10);
    const gone = deleted.records[5]!;
    await tamper(`DELETE FROM "AuditEvent" WHERE id = $1`, gone.id);
    expect((await verifier.verify(deleted.organization.id)).firstBad).toMatchObject({
      seq: gone.seq.toString(),
      problem: 'missing',
    });

    const reordered = await organizationWithRecords('Reordered Co', 10);
    const [a, b] = [reordered.records[3]!, reordered.records[6]!];
    await tamper(
      `UPDATE "AuditEvent" SET seq = CASE WHEN id = $1 THEN -1 ELSE seq END WHERE id = $1`,
      a.id,
    );
    await tamper(`UPDATE "AuditEvent" SET seq = $2 WHERE id = $1`, b.id, a.seq);
    await tamper(`UPDATE "AuditEvent" SET seq = $2 WHERE id = $1`, a.id, b.seq);
    expect((await verifier.verify(reordered.organization.id)).firstBad).toMatchObject({
      seq: a.seq.toString(),
      id: b.id.toString(),
    });

    const truncated = await organizationWithRecords('Truncated Co', 10);
    const newest = truncated.records.at(-1)!;
    await tamper(`DELETE FROM "AuditEvent" WHERE id = $1`, newest.id);
    expect((await verifier.verify(truncated.organization.id)).firstBad).toMatchObject({
      seq: newest.seq.toString(),
      problem: 'truncated',
    });
  });

  it('steward audit verify reports the first bad record and exits non-zero', async () => {
    const { organization, records } = await organizationWithRecords('CLI Co', 5);
    const env = { ...process.env, DATABASE_URL: process.env.DATABASE_URL, LOG_LEVEL: 'error' };
    const entry = 'dist/apps/admin-api/src/cli.js';
    const ok = await run(process.execPath, [entry, 'audit', 'verify', '--org', organization.slug], {
      env,
    });
    expect(ok.stdout).toMatch(/Audit log intact: 6 records verified/);
    await tamper(`UPDATE "AuditEvent" SET "actorId" = 'mallory' WHERE id = $1`, records[2]!.id);
    const broken = await run(
      process.execPath,
      [entry, 'audit', 'verify', '--org', organization.id, '--json'],
      {
        env,
      },
    ).catch((error: { code: number; stdout: string }) => error);
    expect('code' in broken && broken.code).toBe(3);
    expect(JSON.parse(broken.stdout)).toMatchObject({
      ok: false,
      firstBad: { seq: records[2]!.seq.toString(), problem: 'edited' },
    });
  });

  it('retention deletes old records but not under legal hold, and the chain still verifies', async () => {
    const { organization } = await organizationWithRecords('Retention Co', 30);
    const owner = await signInAdmin(api, organization.id, 'owner');
    const set = await graphql(
      api,
      owner,
      'mutation { setAuditRetention(retentionDays: 30) { retentionDays } }',
    );
    expect(set.errors).toBeUndefined();
    const tooShort = await graphql(
      api,
      owner,
      'mutation { setAuditRetention(retentionDays: 3) { retentionDays } }',
    );
    expect(tooShort.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const retention = api.get(AuditRetentionService);
    const later = new Date(Date.now() + 31 * 86_400_000);
    const held = await graphql(
      api,
      owner,
      'mutation { setAuditLegalHold(hold: true, reason: "litigation") { legalHold } }',
    );
    expect(held.errors).toBeUndefined();
    expect(await retention.apply(organization.id, later)).toBe(0);

    await graphql(api, owner, 'mutation { setAuditLegalHold(hold: false) { legalHold } }');
    const before = await api.prisma.auditEvent.count({
      where: { organizationId: organization.id },
    });
    const deleted = await retention.apply(organization.id, later);
    expect(deleted).toBe(before);
    expect(await api.prisma.auditEvent.count({ where: { organizationId: organization.id } })).toBe(
      0,
    );

    // New records continue the chain from the checkpoint, and verification starts there.
    await api.get(AuditService).record(organization.id, {
      actorType: 'system',
      action: 'after.retention',
      resourceType: 'test',
    });
    const verification = await api.get(AuditVerifier).verify(organization.id);
    expect(verification).toMatchObject({ ok: true, checked: 1, fromSeq: String(before + 1) });
  });

  it('retention deletes the agent events of the batches it deletes, never held or other ones', async () => {
    const retention = api.get(AuditRetentionService);
    const verifier = api.get(AuditVerifier);
    const uploadSession = async (name: string) => {
      const org = await telemetryFixture(api, name);
      const endpoint = await org.enrol('kim');
      const events = sessionEvents(endpoint.subject(), new Date(Date.now() - 3600_000));
      expect((await upload(api, endpoint.secret, events)).status).toBe(200);
      await retention.update(
        org.organizationId,
        { retentionDays: 30 },
        { type: 'operator', id: 'test' },
      );
      return { organizationId: org.organizationId, events };
    };
    const eventCount = async (organizationId: string) => {
      const [{ count }] = await api.prisma.$queryRaw<{ count: bigint }[]>`
        SELECT count(*) FROM "AgentEvent" WHERE "organizationId" = ${organizationId}::uuid`;
      return Number(count);
    };
    const expiring = await uploadSession('Expiring Events Co');
    const held = await uploadSession('Held Events Co');
    await retention.update(
      held.organizationId,
      { legalHold: true },
      { type: 'operator', id: 'test' },
    );
    const later = new Date(Date.now() + 31 * 86_400_000);

    expect(await retention.applyAll(later)).toBeGreaterThan(0);
    expect(await eventCount(expiring.organizationId)).toBe(0);
    expect(await eventCount(held.organizationId)).toBe(held.events.length);
    // Events and the batch records that vouch for them went together: nothing left to mismatch.
    expect(await verifier.verify(expiring.organizationId, { events: true })).toMatchObject({
      ok: true,
    });
    expect(await verifier.verify(held.organizationId, { events: true })).toMatchObject({
      ok: true,
    });
  });

  it('serves the compliance query and exports to API keys and admins', async () => {
    const { organization } = await organizationWithRecords('Compliance Co', 12);
    const key = await api.get(CredentialsService).issue(organization.id, 'analytics', {
      scopes: ['audit:read', 'export'],
      actor: { type: 'operator', id: 'test' },
    });
    const call = (path: string, init: RequestInit = {}) =>
      fetch(`${api.url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${key.secret}`, 'content-type': 'application/json' },
      });

    const page1 = (await (
      await call('/api/v1/audit/records?action=role.*&actorId=admin-1&limit=1')
    ).json()) as {
      data: { action: string; actorId: string; seq: string }[];
      nextCursor: string;
    };
    expect(page1.data).toEqual([
      expect.objectContaining({ action: 'role.updated', actorId: 'admin-1' }),
    ]);
    const page2 = (await (
      await call(`/api/v1/audit/records?action=role.*&actorId=admin-1&cursor=${page1.nextCursor}`)
    ).json()) as { data: { seq: string }[]; nextCursor: null };
    expect(page2.data.length).toBeGreaterThan(0);
    expect(BigInt(page2.data[0]!.seq)).toBeLessThan(BigInt(page1.data[0]!.seq));
    expect(await call('/api/v1/audit/verify').then((r) => r.json())).toMatchObject({ ok: true });

    const started = await call('/api/v1/audit/exports', {
      method: 'POST',
      body: JSON.stringify({ format: 'csv', filter: { resourceType: 'connector' } }),
    });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    await api.jobs.drain();
    expect(await (await call(`/api/v1/audit/exports/${id}`)).json()).toMatchObject({
      status: 'done',
      progress: 100,
      rowCount: 6,
    });
    const csv = await (await call(`/api/v1/audit/exports/${id}/download`)).text();
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe(
      'seq,id,occurredAt,actorType,actorId,action,resourceType,resourceId,data,prevHash,hash',
    );
    expect(lines).toHaveLength(7);

    const auditor = await signInAdmin(api, organization.id, 'auditor');
    const requested = await graphql<{ requestAuditExport: { id: string; downloadPath: string } }>(
      api,
      auditor,
      'mutation { requestAuditExport(format: "ndjson") { id status downloadPath } }',
    );
    expect(requested.errors).toBeUndefined();
    await api.jobs.drain();
    const download = await fetch(`${api.url}${requested.data!.requestAuditExport.downloadPath}`, {
      headers: auditor.headers,
    });
    expect(download.headers.get('content-type')).toMatch(/ndjson/);
    const rows = (await download.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { seq: string });
    expect(rows.length).toBeGreaterThanOrEqual(13);
    expect(rows.map((r) => Number(r.seq))).toEqual(
      [...rows.map((r) => Number(r.seq))].sort((x, y) => x - y),
    );

    const graph = await graphql<{
      auditRecords: { records: { action: string }[] };
      verifyAuditLog: { ok: boolean };
    }>(
      api,
      auditor,
      '{ auditRecords(filter: { resourceType: "role" }, first: 100) { records { action } } verifyAuditLog { ok } }',
    );
    expect(graph.data!.auditRecords.records).toHaveLength(6);
    expect(graph.data!.verifyAuditLog.ok).toBe(true);

    const otherOrg = await api
      .get(OrganizationsService)
      .create('Elsewhere Co', { type: 'operator' });
    const otherKey = await api.get(CredentialsService).issue(otherOrg.id, 'analytics', {
      scopes: ['export'],
      actor: { type: 'operator', id: 'test' },
    });
    const foreign = await fetch(`${api.url}/api/v1/audit/exports/${id}/download`, {
      headers: { authorization: `Bearer ${otherKey.secret}` },
    });
    expect(foreign.status).toBe(404);
  });
});
