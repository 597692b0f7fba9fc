import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CredentialsService } from '../../apps/admin-api/src/modules/credentials/credentials.service';
import { RollupsService } from '../../apps/admin-api/src/modules/analytics/rollups.service';
import { ForwardingService } from '../../apps/admin-api/src/modules/telemetry/forwarding.service';
import { AuditVerifier } from '../../apps/admin-api/src/modules/audit/audit-verifier';
import { EventBatchesService } from '../../apps/admin-api/src/modules/telemetry/event-batches.service';
import { AuditService } from '../../apps/admin-api/src/modules/audit/audit.service';
import { graphql, signInAdmin } from '../support/admin-session';
import { startTestApi, TestApi } from '../support/api';
import { sessionEvents, telemetryFixture, upload } from './events';

// An ISO instant (…Z) as the same instant in +02:00.
function withOffset(instant: string): string {
  const local = new Date(Date.parse(instant) + 2 * 3600_000).toISOString();
  return `${local.slice(0, -1)}+02:00`;
}

describe('agent events: ingest, rollups, Analytics API, OTLP forwarding', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });

  afterAll(() => api.close());

  it('stores valid events, reports invalid ones by index, and never double-counts a retry', async () => {
    const org = await telemetryFixture(api, 'Ingest Co');
    const alice = await org.enrol('alice');
    const events = sessionEvents(alice.subject(), new Date(Date.now() - 3600_000));
    const batch = [
      ...events.slice(0, 3),
      { ...events[3], type: 'tool.teleported' },
      { ...events[4], organizationId: 'another-org' },
      events[5],
      { ...events[6], userId: 'someone-else' },
      ...events.slice(7),
    ];

    const first = await upload(api, alice.secret, batch);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ accepted: 5, stored: 5, duplicates: 0 });
    expect(first.body.rejected).toEqual([
      { index: 3, errors: [expect.objectContaining({ path: 'type' })] },
      {
        index: 4,
        errors: [{ path: 'organizationId', message: "not this endpoint's organization" }],
      },
      { index: 6, errors: [{ path: 'userId', message: "not this endpoint's user" }] },
    ]);

    const retry = await upload(api, alice.secret, batch);
    expect(retry.body).toMatchObject({ accepted: 5, stored: 0, duplicates: 5 });

    const [{ count }] = await api.prisma.$queryRaw<{ count: bigint }[]>`
      SELECT count(*) FROM "AgentEvent" WHERE "organizationId" = ${org.organizationId}::uuid`;
    expect(count).toBe(5n);

    // One audit record for the batch that stored them, carrying their digest; the chain verifies.
    const records = await api.prisma.auditEvent.findMany({
      where: { organizationId: org.organizationId, action: 'agent.events.ingested' },
    });
    expect(records).toHaveLength(1);
    const data = records[0]!.data as {
      count: number;
      digest: string;
      digestFormat: string;
      days: string[];
    };
    expect(data.count).toBe(5);
    const stored = await api
      .get(EventBatchesService)
      .storedDigest(org.organizationId, data.days, records[0]!.resourceId!, data.digestFormat);
    expect(stored).toEqual({ digest: data.digest, count: 5 });
    const verifier = api.get(AuditVerifier);
    expect(await verifier.verify(org.organizationId, { events: true })).toMatchObject({ ok: true });

    // Agent events are vouched for by their batch's digest: editing one is detected.
    await api.prisma.$executeRaw`
      UPDATE "AgentEvent" SET payload = jsonb_set(payload, '{decision}', '"deny"')
      WHERE "organizationId" = ${org.organizationId}::uuid AND type = 'tool.called'`;
    expect(await verifier.verify(org.organizationId)).toMatchObject({ ok: true });
    expect(await verifier.verify(org.organizationId, { events: true })).toMatchObject({
      ok: false,
      firstBad: { id: records[0]!.id.toString(), problem: 'events-changed' },
    });
  });

  it('stores a batch once when it is uploaded several times at the same moment', async () => {
    const org = await telemetryFixture(api, 'Racing Co');
    const ivan = await org.enrol('ivan');
    const events = sessionEvents(ivan.subject(), new Date(Date.now() - 600_000));
    const results = await Promise.all(
      Array.from({ length: 4 }, () => upload(api, ivan.secret, events)),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const stored = results.map((r) => r.body.stored as number);
    expect(stored.reduce((a, b) => a + b, 0)).toBe(events.length);
    const [{ count }] = await api.prisma.$queryRaw<{ count: bigint }[]>`
      SELECT count(*) FROM "AgentEvent" WHERE "organizationId" = ${org.organizationId}::uuid`;
    expect(count).toBe(BigInt(events.length));
  });

  it('stores text with backslashes, tabs, line breaks and non-ASCII exactly, on both write paths', async () => {
    // COPY's text format gives backslash, tab and line breaks a meaning; Windows paths and shell
    // commands are full of them. The racing uploads also exercise the INSERT fallback.
    const org = await telemetryFixture(api, 'Awkward Text Co');
    const judy = await org.enrol('judy');
    const awkward = (text: string) => text.replace('Reports', 'C:\\Users\\judy\\Ré\tports\n');
    // Text of 3 UTF-8 bytes per character, more than the COPY buffer sizes a row for: it grows.
    const long = `/home/judy/${'報告'.repeat(2_000)}.md`;
    const events = sessionEvents(judy.subject(), new Date(Date.now() - 900_000)).map((event) =>
      event.type === 'file.read' || event.type === 'file.modified'
        ? { ...event, path: event.type === 'file.read' ? long : awkward(event.path) }
        : event.type === 'tool.called'
          ? { ...event, parameters: '{"cmd":"grep -r \\"a\\\\tb\\"\\nwc -l"} 日本 🙂' }
          : event,
    );
    const results = await Promise.all(
      Array.from({ length: 3 }, () => upload(api, judy.secret, events)),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const stored = await api.prisma.$queryRaw<{ payload: unknown }[]>`
      SELECT payload FROM "AgentEvent" WHERE "organizationId" = ${org.organizationId}::uuid
      ORDER BY id`;
    const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);
    expect(stored.map((row) => row.payload)).toEqual([...events].sort(byId));
    expect(await api.get(AuditVerifier).verify(org.organizationId, { events: true })).toMatchObject(
      { ok: true },
    );
  });

  it('vouches for every stored event: a repeated id, awkward numbers, unstorable text refused', async () => {
    const org = await telemetryFixture(api, 'Vouched Co');
    const kim = await org.enrol('kim');
    const [started, , , toolCall, ...rest] = sessionEvents(
      kim.subject(),
      new Date(Date.now() - 300_000),
    );
    const batch = [
      started!,
      { ...toolCall!, durationMs: 1e21 },
      // The same id again with other content: the first one is stored, once.
      { ...toolCall!, durationMs: 0.1 },
      { ...rest[0]!, path: 'bad\u0000name' },
      // The same instant written with an offset: stored as the UTC instant.
      { ...rest[1]!, occurredAt: withOffset(rest[1]!.occurredAt) },
      ...rest.slice(2),
    ];
    const response = await upload(api, kim.secret, batch);
    expect(response.body).toMatchObject({ accepted: batch.length - 1, stored: batch.length - 2 });
    expect(response.body.rejected).toEqual([
      { index: 3, errors: [expect.objectContaining({ path: 'path' })] },
    ]);
    const [record] = await api.prisma.auditEvent.findMany({
      where: { organizationId: org.organizationId, action: 'agent.events.ingested' },
    });
    expect(record!.data).toMatchObject({ count: batch.length - 2 });
    const [offset] = await api.prisma.$queryRaw<{ occurredAt: Date }[]>`
      SELECT "occurredAt" FROM "AgentEvent" WHERE id = ${rest[1]!.id}::uuid`;
    expect(offset!.occurredAt.toISOString()).toBe(rest[1]!.occurredAt);
    const verifier = api.get(AuditVerifier);
    expect(await verifier.verify(org.organizationId, { events: true })).toMatchObject({ ok: true });

    // A record of the first digest format (no digestFormat: Postgres's jsonb text) still verifies,
    // and still catches an edit.
    const legacyBatch = randomUUID();
    await api.prisma.$executeRaw`
      INSERT INTO "AgentEvent" ("organizationId", day, id, "occurredAt", type, "userId",
        "endpointId", "sessionId", "batchId", payload)
      SELECT "organizationId", day, gen_random_uuid(), "occurredAt", type, "userId",
        "endpointId", "sessionId", ${legacyBatch}::uuid, payload
      FROM "AgentEvent" WHERE "organizationId" = ${org.organizationId}::uuid LIMIT 2`;
    const [legacy] = await api.prisma.$queryRaw<{ digest: string; days: string[] }[]>`
      SELECT encode(sha256(convert_to(string_agg(payload::text || E'\n', '' ORDER BY id),
        'UTF8')), 'hex') AS digest, array_agg(DISTINCT day::text) AS days
      FROM "AgentEvent" WHERE "batchId" = ${legacyBatch}::uuid`;
    await api.get(AuditService).record(org.organizationId, {
      actorType: 'endpoint',
      actorId: kim.endpointId,
      action: 'agent.events.ingested',
      resourceType: 'event-batch',
      resourceId: legacyBatch,
      data: { count: 2, types: {}, days: legacy!.days, userId: kim.userId, digest: legacy!.digest },
    });
    expect(await verifier.verify(org.organizationId, { events: true })).toMatchObject({ ok: true });
    await api.prisma.$executeRaw`
      DELETE FROM "AgentEvent" WHERE "batchId" = ${legacyBatch}::uuid
        AND id = (SELECT id FROM "AgentEvent" WHERE "batchId" = ${legacyBatch}::uuid LIMIT 1)`;
    expect(await verifier.verify(org.organizationId, { events: true })).toMatchObject({
      ok: false,
      firstBad: { problem: 'events-changed' },
    });
  });

  it('refuses uploads without an endpoint credential and bodies that are not batches', async () => {
    const org = await telemetryFixture(api, 'Refusing Co');
    const analyticsKey = await api
      .get(CredentialsService)
      .issue(org.organizationId, 'analytics', { actor: { type: 'operator', id: 'test' } });
    const bob = await org.enrol('bob');
    const event = sessionEvents(bob.subject(), new Date())[0];
    expect((await upload(api, analyticsKey.secret, [event])).status).toBe(401);
    const response = await fetch(`${api.url}/api/v1/endpoints/events`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${bob.secret}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ events: 'nope' }),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/problem\+json/);
    const post = (body: string, contentType: string) =>
      fetch(`${api.url}/api/v1/endpoints/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bob.secret}`, 'content-type': contentType },
        body,
      });
    const notJson = await post('{"events": [', 'application/json');
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ status: 400, detail: 'the body is not JSON' });
    const text = await post(JSON.stringify({ events: [event] }), 'text/plain');
    expect(text.status).toBe(400);
    expect(text.headers.get('content-type')).toMatch(/problem\+json/);
    const big = await post(
      JSON.stringify({ events: [event], padding: 'x'.repeat(30_000_000) }),
      'application/json',
    );
    expect(big.status).toBe(413);
    expect(big.headers.get('content-type')).toMatch(/problem\+json/);
    // Nothing of any of them was stored.
    const [{ count }] = await api.prisma.$queryRaw<{ count: bigint }[]>`
      SELECT count(*) FROM "AgentEvent" WHERE "organizationId" = ${org.organizationId}::uuid`;
    expect(count).toBe(0n);
  });

  it('rolls events up per user and per group, and serves them through the Analytics API', async () => {
    const org = await telemetryFixture(api, 'Rollup Co');
    const group = await api.prisma.directoryGroup.create({
      data: { organizationId: org.organizationId, displayName: 'Engineering' },
    });
    const carol = await org.enrol('carol');
    const dave = await org.enrol('dave');
    const users = [{ id: carol.userId }, { id: dave.userId }];
    await api.prisma.directoryGroupMember.createMany({
      data: users.map((u) => ({
        organizationId: org.organizationId,
        groupId: group.id,
        userId: u.id,
      })),
    });
    const day = new Date(Date.now() - 86_400_000);
    day.setUTCHours(10, 0, 0, 0);
    const dayText = day.toISOString().slice(0, 10);
    await upload(api, carol.secret, [
      ...sessionEvents(carol.subject('s1'), day, '0.1'),
      ...sessionEvents(carol.subject('s2'), new Date(day.getTime() + 60_000), '0.2'),
    ]);
    await upload(api, dave.secret, sessionEvents(dave.subject('s3'), day, '0.000000000001'));
    await api.get(RollupsService).rollupPending(100);
    // Idempotent: recomputing the same day gives the same rows.
    await api.get(RollupsService).recomputeDay(org.organizationId, dayText);

    const key = await api.get(CredentialsService).issue(org.organizationId, 'analytics', {
      scopes: ['analytics:read'],
      actor: { type: 'operator', id: 'test' },
    });
    const get = (path: string) =>
      fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${key.secret}` } });

    const first = await get(`/api/v1/analytics/users/daily?from=${dayText}&to=${dayText}&limit=1`);
    expect(first.status).toBe(200);
    const page1 = (await first.json()) as { data: Record<string, unknown>[]; nextCursor: string };
    expect(page1.data).toHaveLength(1);
    const second = await get(
      `/api/v1/analytics/users/daily?from=${dayText}&to=${dayText}&limit=1&cursor=${page1.nextCursor}`,
    );
    const page2 = (await second.json()) as { data: Record<string, unknown>[]; nextCursor: null };
    expect(page2.nextCursor).toBeNull();
    const byUser = Object.fromEntries(
      [...page1.data, ...page2.data].map((row) => [row.userId, row]),
    );
    expect(byUser[users[0]!.id]).toMatchObject({
      day: dayText,
      sessions: 2,
      toolCalls: 4,
      toolCallsByConnector: { github: { allow: 2 }, builtin: { deny: 2 } },
      toolCallsByDecision: { allow: 2, deny: 2 },
      plansApprovedAuto: 2,
      plansApprovedManual: 0,
      filesRead: 2,
      filesModified: 2,
      modelRequests: 2,
      inputTokens: '2400',
      outputTokens: '600',
      costUsd: '0.3',
    });
    expect(byUser[users[1]!.id]).toMatchObject({ sessions: 1, costUsd: '0.000000000001' });

    const groups = (await (
      await get(`/api/v1/analytics/groups/daily?from=${dayText}&to=${dayText}`)
    ).json()) as { data: Record<string, unknown>[] };
    expect(groups.data).toEqual([
      expect.objectContaining({
        groupId: group.id,
        activeUsers: 2,
        sessions: 3,
        costUsd: '0.300000000001',
      }),
    ]);

    const summary = (await (
      await get(`/api/v1/analytics/summary?from=${dayText}&to=${dayText}`)
    ).json()) as Record<string, unknown>;
    expect(summary).toMatchObject({
      activeUsers: 2,
      sessions: 3,
      toolCalls: 6,
      toolCallsByDecision: { allow: 3, deny: 3 },
      costUsd: '0.300000000001',
    });

    const csv = await get(`/api/v1/analytics/users/daily?from=${dayText}&to=${dayText}&format=csv`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toMatch(/^day,userId,sessions,toolCalls,/);
    expect(lines).toHaveLength(3);

    // Bad queries are problems with the detail and the analytics code.
    for (const [query, code, detail] of [
      ['summary?from=2026-13-01', 'invalid', 'from must be a date (YYYY-MM-DD)'],
      ['summary?from=2026-02-02&to=2026-02-01', 'invalid', 'from must not be after to'],
      ['users/daily?limit=0', 'invalid', 'limit must be a whole number from 1 to 1000'],
      ['groups/daily?format=xml', 'invalid', 'format must be json or csv'],
      ['users/daily?cursor=garbage', 'invalid_cursor', 'invalid cursor'],
    ]) {
      const refused = await get(`/api/v1/analytics/${query}`);
      expect(refused.status).toBe(400);
      expect(refused.headers.get('content-type')).toMatch(/problem\+json/);
      expect(await refused.json()).toMatchObject({ status: 400, code, detail });
    }
    const noKey = await fetch(`${api.url}/api/v1/analytics/summary`);
    expect(noKey.status).toBe(401);
    const auditOnly = await api.get(CredentialsService).issue(org.organizationId, 'analytics', {
      scopes: ['audit:read'],
      actor: { type: 'operator', id: 'test' },
    });
    const forbidden = await fetch(`${api.url}/api/v1/analytics/summary`, {
      headers: { authorization: `Bearer ${auditOnly.secret}` },
    });
    expect(forbidden.status).toBe(403);
  });

  it('serves the OpenAPI document and its UI', async () => {
    const document = (await (await fetch(`${api.url}/api/docs-json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/analytics/users/daily',
        '/api/v1/analytics/groups/daily',
        '/api/v1/analytics/summary',
        '/api/v1/audit/records',
        '/api/v1/audit/verify',
      ]),
    );
    expect(Object.keys(document.paths).some((path) => path.startsWith('/scim'))).toBe(false);
    const ui = await fetch(`${api.url}/api/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toMatch(/swagger/i);
  });

  describe('forwarding to the organization collector', () => {
    let receiver: Server;
    let receiverUrl: string;
    const received: { headers: IncomingMessage['headers']; body: unknown }[] = [];
    let failNext = 0;
    let waiter: (() => void) | null = null;

    beforeAll(async () => {
      receiver = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          if (failNext > 0) {
            failNext--;
            response.writeHead(503).end();
            return;
          }
          received.push({
            headers: request.headers,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
          });
          response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
          waiter?.();
        });
      });
      // Longer than any gap between requests here, so a reused connection is never closed under
      // a request (that would read as a failed delivery).
      receiver.keepAliveTimeout = 60_000;
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/logs`;
    });

    afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

    it('sends OTLP logs with semantic-convention attributes, redacted before they leave', async () => {
      const org = await telemetryFixture(api, 'Forwarding Co');
      const owner = await signInAdmin(api, org.organizationId, 'owner');
      const valid = {
        endpoint: receiverUrl,
        headers: [{ name: 'x-api-key', value: 'collector-secret' }],
        redactPrompts: 'drop',
        redactCommands: 'hash',
        redactPaths: 'hash',
      };
      const setCollector = (input: Record<string, unknown>) =>
        graphql<{ setTelemetryCollector: { headerNames: string[] } }>(
          api,
          owner,
          `
            mutation ($input: TelemetryCollectorInput!) {
              setTelemetryCollector(input: $input) {
                endpoint
                headerNames
                redactPrompts
              }
            }
          `,
          { input },
        );
      // Settings the API does not accept are refused with the reason, and nothing is saved.
      for (const invalid of [
        { endpoint: 'ftp://collector.example.com/v1/logs' },
        { headers: [{ name: 'Host', value: 'elsewhere' }] },
        { redactPaths: 'sometimes' },
      ]) {
        const refusal = await setCollector({ ...valid, ...invalid });
        expect(refusal.errors?.[0]?.extensions).toMatchObject({
          code: 'BAD_USER_INPUT',
          reason: 'invalid',
        });
      }
      expect(
        await api.prisma.telemetryCollector.count({
          where: { organizationId: org.organizationId },
        }),
      ).toBe(0);
      const set = await setCollector(valid);
      expect(set.errors).toBeUndefined();
      expect(set.data!.setTelemetryCollector.headerNames).toEqual(['x-api-key']);

      const auditor = await signInAdmin(api, org.organizationId, 'auditor');
      const refused = await graphql(api, auditor, '{ telemetryCollector { endpoint } }');
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

      failNext = 1;
      const arrived = new Promise<void>((resolve) => (waiter = resolve));
      const erin = await org.enrol('erin');
      const events = sessionEvents(erin.subject(), new Date());
      await upload(api, erin.secret, events);
      // The first attempt is refused (503); the job's retry delivers it.
      await arrived;
      await api.jobs.drain();
      expect(
        await api.prisma.telemetryForwardOutbox.count({
          where: { organizationId: org.organizationId },
        }),
      ).toBe(0);

      const request = received.at(-1)!;
      expect(request.headers['x-api-key']).toBe('collector-secret');
      const body = request.body as {
        resourceLogs: {
          resource: { attributes: { key: string; value: Record<string, string> }[] };
          scopeLogs: {
            logRecords: {
              eventName: string;
              attributes: { key: string; value: Record<string, string | number> }[];
            }[];
          }[];
        }[];
      };
      const records = body.resourceLogs[0]!.scopeLogs[0]!.logRecords;
      expect(records).toHaveLength(events.length);
      const attrs = (name: string) =>
        Object.fromEntries(
          records
            .find((r) => r.eventName === name)!
            .attributes.map((a) => [a.key, Object.values(a.value)[0]]),
        );
      const model = attrs('steward.agent.model.requested');
      expect(model).toMatchObject({
        'gen_ai.request.model': 'claude-sonnet-4-5',
        'gen_ai.usage.input_tokens': '1200',
        'gen_ai.usage.output_tokens': '300',
        'user.id': erin.userId,
        'session.id': 'session-erin',
      });
      const github = records
        .filter((r) => r.eventName === 'steward.agent.tool.called')
        .map((r) => Object.fromEntries(r.attributes.map((a) => [a.key, Object.values(a.value)[0]])))
        .find((a) => a['steward.mcp.server.name'] === 'github')!;
      expect(github).toMatchObject({
        'gen_ai.tool.name': 'search_issues',
        'mcp.method.name': 'tools/call',
        'steward.policy.decision': 'allow',
      });
      expect(github['gen_ai.tool.call.arguments']).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
      const started = attrs('steward.agent.session.started');
      expect(started['steward.session.task']).toBe('[redacted]');
      expect(attrs('steward.agent.file.read')['file.path']).toMatch(/^hmac-sha256:/);
      // Nothing sensitive left the building in any form.
      const raw = JSON.stringify(body);
      for (const secret of ['/Users/alice', 'summarise the Q3', 'rm -rf', 'is:open label:bug']) {
        expect(raw).not.toContain(secret);
      }
    });

    it('keeps a batch in the outbox while the collector is down, and the sweep catches up', async () => {
      const org = await telemetryFixture(api, 'Catch-up Co');
      // The collector is unreachable (a closed port): every attempt of the fast-path job fails.
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/v1/logs`;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      await api.prisma.telemetryCollector.create({
        data: { organizationId: org.organizationId, endpoint: closedUrl, hashKey: 'k' },
      });
      const before = received.length;
      const frank = await org.enrol('frank');
      const { body } = await upload(api, frank.secret, sessionEvents(frank.subject(), new Date()));
      await api.jobs.drain();
      const waiting = await api.prisma.telemetryForwardOutbox.findUnique({
        where: { batchId: String(body.batchId) },
      });
      expect(waiting?.lastError).toMatch(/fetch failed/);

      // The collector is back: the periodic sweep delivers what is still in the outbox.
      await api.prisma.telemetryCollector.update({
        where: { organizationId: org.organizationId },
        data: { endpoint: receiverUrl },
      });
      await api.get(ForwardingService).sweep();
      expect(
        received.slice(before).some((r) => JSON.stringify(r.body).includes(org.organizationId)),
      ).toBe(true);
      expect(
        await api.prisma.telemetryForwardOutbox.findUnique({
          where: { batchId: String(body.batchId) },
        }),
      ).toBeNull();
    });

    it("sweeps each organization on its own: a dead collector's backlog holds back no one else", async () => {
      // A collector that answers 503 to everything, counting what it is sent.
      let deadRequests = 0;
      const dead = createServer((request, response) => {
        deadRequests++;
        request.resume().on('end', () => response.writeHead(503).end());
      });
      await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
      const down = await telemetryFixture(api, 'Collector Down Co');
      const live = await telemetryFixture(api, 'Collector Live Co');
      try {
        const deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}/v1/logs`;
        for (const org of [down, live]) {
          await api.prisma.telemetryCollector.create({
            data: { organizationId: org.organizationId, endpoint: deadUrl, hashKey: 'k' },
          });
        }
        // Live's upload misses the fast path (its collector is down too, for now)...
        const gus = await live.enrol('gus');
        const { body } = await upload(api, gus.secret, sessionEvents(gus.subject(), new Date()));
        await api.jobs.drain();
        // ...behind a backlog of Down's, older and longer than one sweep handles (100 a sweep).
        const backlog = 150;
        await api.prisma.telemetryForwardOutbox.createMany({
          data: Array.from({ length: backlog }, (_, i) => ({
            batchId: randomUUID(),
            organizationId: down.organizationId,
            eventIds: [],
            days: [],
            createdAt: new Date(Date.now() - 3600_000 + i),
          })),
        });
        await api.prisma.telemetryCollector.update({
          where: { organizationId: live.organizationId },
          data: { endpoint: receiverUrl },
        });
        const before = received.length;
        deadRequests = 0;

        expect(await api.get(ForwardingService).sweep()).toBeGreaterThanOrEqual(1);
        expect(
          received.slice(before).some((r) => JSON.stringify(r.body).includes(live.organizationId)),
        ).toBe(true);
        expect(
          await api.prisma.telemetryForwardOutbox.findUnique({
            where: { batchId: String(body.batchId) },
          }),
        ).toBeNull();
        // Down's collector was tried once, not once per waiting batch; all of them still wait.
        expect(deadRequests).toBe(1);
        expect(
          await api.prisma.telemetryForwardOutbox.count({
            where: { organizationId: down.organizationId },
          }),
        ).toBe(backlog);
      } finally {
        // Nothing left for the API's own sweeps to retry against a closed port.
        await api.prisma.telemetryForwardOutbox.deleteMany({
          where: { organizationId: { in: [down.organizationId, live.organizationId] } },
        });
        await new Promise<void>((resolve) => dead.close(() => resolve()));
      }
    });

    it('sweeps other organizations while a collector that never answers holds its own', async () => {
      // A collector that takes requests and never answers, for an organization the sweep visits
      // first (organizations go in id order).
      let silentRequests = 0;
      const silent = createServer(() => {
        silentRequests++;
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const stalled = '00000000-0000-4000-8000-0000000000f0';
      await api.prisma.organization.create({
        data: { id: stalled, slug: 'silent-collector', name: 'Silent Collector Co' },
      });
      const live = await telemetryFixture(api, 'Collector Beside Silent Co');
      const liveBatch = randomUUID();
      try {
        await api.prisma.telemetryCollector.createMany({
          data: [
            {
              organizationId: stalled,
              endpoint: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/v1/logs`,
              hashKey: 'k',
            },
            { organizationId: live.organizationId, endpoint: receiverUrl, hashKey: 'k' },
          ],
        });
        await api.prisma.telemetryForwardOutbox.createMany({
          data: [
            { batchId: randomUUID(), organizationId: stalled, eventIds: [], days: [] },
            { batchId: liveBatch, organizationId: live.organizationId, eventIds: [], days: [] },
          ],
        });
        const before = received.length;

        let swept = false;
        const sweep = api
          .get(ForwardingService)
          .sweep()
          .finally(() => (swept = true));
        // Delivered while the silent collector still holds its request (10 s before it times out).
        const deadline = Date.now() + 8000;
        while (
          !received.slice(before).some((r) => JSON.stringify(r.body).includes(live.organizationId))
        ) {
          expect(Date.now()).toBeLessThan(deadline);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        expect(swept).toBe(false);
        expect(silentRequests).toBe(1);
        // The silent collector hangs up: its sweep ends, its batch still waiting.
        silent.closeAllConnections();
        await sweep;
        expect(
          await api.prisma.telemetryForwardOutbox.findMany({
            where: { organizationId: { in: [stalled, live.organizationId] } },
            select: { organizationId: true },
          }),
        ).toEqual([{ organizationId: stalled }]);
      } finally {
        silent.closeAllConnections();
        await new Promise<void>((resolve) => silent.close(() => resolve()));
        await api.prisma.organization.delete({ where: { id: stalled } });
      }
    });
  });
});
