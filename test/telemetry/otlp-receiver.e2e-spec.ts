import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import protobuf from 'protobufjs';
import { AuditVerifier } from '../../apps/admin-api/src/modules/audit/audit-verifier';
import { SpendService } from '../../apps/admin-api/src/modules/spend/spend.service';
import { repoPath } from '../../apps/admin-api/src/platform/repo-path';
import { startTestApi, TestApi } from '../support/api';
import { spendFixture } from '../spend/spend-support';

// Claude Code 2.1.332's own OTLP exports (captured on this machine), with their times moved to
// shortly before now so ingest's age check takes them.
function sampleExport(name: string, shiftTo = Date.now() - 60_000): Record<string, unknown> {
  const raw = JSON.parse(
    fs.readFileSync(path.join(__dirname, 'claude-code-2.1.332', name), 'utf8'),
  ) as Record<string, unknown>;
  const first = /"timeUnixNano":"(\d+)"/.exec(JSON.stringify(raw))![1]!;
  const shift = BigInt(shiftTo) * 1_000_000n - BigInt(first);
  const move = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(move);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, v]) => [
        key,
        key.endsWith('UnixNano') && typeof v === 'string' ? String(BigInt(v) + shift) : move(v),
      ]),
    );
  };
  return move(raw) as Record<string, unknown>;
}

function protobufLogs(json: Record<string, unknown>): Buffer {
  const root = new protobuf.Root();
  const dir = repoPath('apps/admin-api/src/modules/telemetry/otlp-proto');
  root.resolvePath = (_origin, target) => `${dir}/${target}`;
  root.loadSync('opentelemetry/proto/collector/logs/v1/logs_service.proto');
  const type = root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest');
  return Buffer.from(type.encode(type.fromObject(json)).finish());
}

describe('OTLP/HTTP receiver: Claude Code telemetry as Steward events', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });

  afterAll(() => api.close());

  const post = (
    signal: 'logs' | 'metrics',
    body: Buffer | string,
    headers: Record<string, string>,
  ) => fetch(`${api.url}/v1/${signal}`, { method: 'POST', headers, body });

  async function stored(organizationId: string) {
    return api.prisma.$queryRaw<
      { type: string; userId: string; payload: Record<string, unknown> }[]
    >`
      SELECT type, "userId", payload FROM "AgentEvent"
      WHERE "organizationId" = ${organizationId}::uuid ORDER BY "occurredAt", id`;
  }

  it("stores an export (JSON, then protobuf+gzip) as the credential's person's events, once", async () => {
    const org = await spendFixture(api, 'OTLP Co');
    await org.limit('user', '5');
    const auth = { authorization: `Bearer ${org.secret}` };
    const logs = sampleExport('otlp-logs.json');

    const first = await post('logs', JSON.stringify(logs), {
      ...auth,
      'content-type': 'application/json',
    });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({});
    const events = await stored(org.organizationId);
    expect(events).toHaveLength(13);
    // The payload's user.id is Claude Code's installation hash; the credential decides the person.
    expect(new Set(events.map((e) => e.userId))).toEqual(new Set([org.userId]));
    expect(events.filter((e) => e.type === 'model.requested')).toHaveLength(2);
    expect(events.find((e) => e.type === 'tool.called')?.payload).toMatchObject({
      decision: 'deny',
      agent: 'claude-code',
    });

    // The exporter retrying the same records, now as gzip-compressed protobuf: nothing new.
    const again = await post('logs', zlib.gzipSync(protobufLogs(logs)), {
      ...auth,
      'content-type': 'application/x-protobuf',
      'content-encoding': 'gzip',
    });
    expect(again.status).toBe(200);
    expect(again.headers.get('content-type')).toBe('application/x-protobuf');
    expect((await stored(org.organizationId)).length).toBe(13);

    // The two model requests' cost (0.00014 + 0.0001 USD) is charged to the person's budget once.
    const [budget] = await api.get(SpendService).budgetsFor({
      organizationId: org.organizationId,
      userId: org.userId,
      endpointId: org.endpointId,
    });
    expect(budget).toMatchObject({ spentUsd: '0.00024', subjectType: 'user' });

    const metrics = await post('metrics', JSON.stringify(sampleExport('otlp-metrics.json')), {
      ...auth,
      'content-type': 'application/json',
    });
    expect(metrics.status).toBe(200);
    const types = (await stored(org.organizationId)).map((e) => e.type);
    expect(types.filter((t) => t === 'session.started')).toHaveLength(1);
    expect(await api.get(AuditVerifier).verify(org.organizationId, { events: true })).toMatchObject(
      { ok: true },
    );
  });

  it('answers a malformed body 400 and a foreign content type 415, in OTLP error shape, and changes nothing', async () => {
    const org = await spendFixture(api, 'OTLP Malformed Co');
    const auth = { authorization: `Bearer ${org.secret}` };
    const cases: [string, Buffer | string, Record<string, string>][] = [
      ['application/json', '{"resourceLogs": [', {}],
      ['application/json', '{"resourceLogs": [{"scopeLogs": [{"logRecords": 7}]}]}', {}],
      ['application/x-protobuf', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]), {}],
      ['application/json', 'not gzip at all', { 'content-encoding': 'gzip' }],
    ];
    for (const [type, body, extra] of cases) {
      const response = await post('logs', body, { ...auth, 'content-type': type, ...extra });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain(type);
      if (type === 'application/json') {
        expect(await response.json()).toMatchObject({ code: 3, message: expect.any(String) });
      }
    }
    // A content type OTLP does not have is refused in OTLP's JSON shape.
    const plain = await post('logs', JSON.stringify(sampleExport('otlp-logs.json')), {
      ...auth,
      'content-type': 'text/plain',
    });
    expect(plain.status).toBe(415);
    expect(await plain.json()).toMatchObject({
      code: 3,
      message: 'send application/json or application/x-protobuf',
    });
    expect(await stored(org.organizationId)).toEqual([]);
    expect(
      await api.prisma.auditEvent.count({
        where: { organizationId: org.organizationId, action: 'agent.events.ingested' },
      }),
    ).toBe(0);
  });

  it('refuses an export without an endpoint credential', async () => {
    const body = JSON.stringify(sampleExport('otlp-logs.json'));
    const anonymous = await post('logs', body, { 'content-type': 'application/json' });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ code: 3 });
    const wrong = await post('logs', body, {
      'content-type': 'application/json',
      authorization: 'Bearer stw_ep_not-a-credential',
    });
    expect(wrong.status).toBe(401);
  });
});
