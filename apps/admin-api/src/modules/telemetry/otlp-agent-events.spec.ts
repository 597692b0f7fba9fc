import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import protobuf from 'protobufjs';
import { AgentEvent } from '@steward/telemetry';
import { repoPath } from '../../platform/repo-path';
import type { AuthenticatedEndpoint } from '../endpoints/endpoint-sessions';
import { logEvents, metricEvents } from './otlp-agent-events';
import { decodeRequest, encodeStatus, inflate } from './otlp-wire';
import { TelemetryError } from './telemetry.errors';

// Claude Code 2.1.332's own exports, captured on this machine (test/telemetry/claude-code-2.1.332).
const SAMPLES = repoPath('test/telemetry/claude-code-2.1.332');
const sample = (name: string) => fs.readFileSync(path.join(SAMPLES, name));

const caller: AuthenticatedEndpoint = {
  organizationId: '0190f7d2-7c1e-7000-8000-000000000001',
  userId: '0190f7d2-7c1e-7000-8000-0000000000a1',
  endpointId: '0190f7d2-7c1e-7000-8000-0000000000e1',
  credentialId: '0190f7d2-7c1e-7000-8000-0000000000c1',
};
const now = new Date('2026-12-06T06:00:00Z');

function protobufOf(type: string, json: Buffer): Buffer {
  const root = new protobuf.Root();
  const dir = repoPath('apps/admin-api/src/modules/telemetry/otlp-proto');
  root.resolvePath = (_origin, target) => `${dir}/${target}`;
  root.loadSync(`opentelemetry/proto/collector/${type}`);
  const message = root.lookupType(
    type.startsWith('logs')
      ? 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest'
      : 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
  );
  return Buffer.from(message.encode(message.fromObject(JSON.parse(json.toString()))).finish());
}

describe('Claude Code OTLP logs as Steward events', () => {
  const events = logEvents(caller, decodeRequest('logs', 'json', sample('otlp-logs.json')), now);

  it('makes a valid event of every record, about the caller, whatever the payload says', () => {
    expect(events).toHaveLength(13);
    for (const event of events) {
      expect(AgentEvent.safeParse(event).error?.issues).toBeUndefined();
      const { organizationId, userId, endpointId } = caller;
      expect(event).toMatchObject({ organizationId, userId, endpointId, agent: 'claude-code' });
      expect(event.sessionId).toBe('0a850aac-d431-4fbf-b2d0-79eccd23e396');
    }
  });

  it("translates the prompt, model requests with their cost and the hook's denial", () => {
    const typed = events.filter((e) => e.type !== 'agent.event');
    expect(typed.map((e) => e.type)).toEqual([
      'prompt.submitted',
      'model.requested',
      'tool.called',
      'model.requested',
    ]);
    expect(typed[0]).toMatchObject({ promptLength: 18 });
    expect(typed[0]).not.toHaveProperty('prompt');
    expect(typed[1]).toMatchObject({
      model: 'claude-opus-5-5',
      costUsd: '0.00014',
      inputTokens: 10,
    });
    expect(typed[2]).toMatchObject({
      tool: 'Read',
      access: 'read',
      decision: 'deny',
      rule: 'claude-code:hook',
      outcome: 'refused',
    });
  });

  it('keeps what it has no vocabulary for as generic events with their attributes', () => {
    const plugin = events.find(
      (e) => e.type === 'agent.event' && e.name === 'claude_code.plugin_loaded',
    );
    expect(plugin?.attributes).toMatchObject({
      'plugin.name': 'cc-plugin-sec-default',
      has_hooks: true,
    });
  });

  it('gives a record sent again the same id, and distinct records distinct ids', () => {
    const again = logEvents(caller, decodeRequest('logs', 'json', sample('otlp-logs.json')), now);
    expect(again.map((e) => e.id)).toEqual(events.map((e) => e.id));
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    const elsewhere = logEvents(
      { ...caller, endpointId: '0190f7d2-7c1e-7000-8000-0000000000e2' },
      decodeRequest('logs', 'json', sample('otlp-logs.json')),
      now,
    );
    expect(elsewhere[0]!.id).not.toBe(events[0]!.id);
  });

  it('names MCP tools by connector, results and person-answered prompts (tool details on)', () => {
    const detailed = logEvents(
      caller,
      decodeRequest('logs', 'json', sample('otlp-logs-tool-details.json')),
      now,
    );
    expect(detailed.find((e) => e.type === 'tool.called' && e.tool === 'mcp')).toMatchObject({
      connector: 'fs',
      mcpTool: 'write_file',
      decision: 'deny',
      rule: 'claude-code:config',
    });
    expect(detailed.find((e) => e.type === 'tool.completed' && e.tool === 'Bash')).toMatchObject({
      outcome: 'ok',
      durationMs: 210,
    });
    expect(detailed.find((e) => e.type === 'prompt.submitted')).toMatchObject({
      prompt: 'read the notes',
    });
    for (const event of detailed) expect(AgentEvent.safeParse(event).success).toBe(true);
  });

  it('decodes the same export sent as protobuf, gzip-compressed, to the same events', () => {
    const bytes = zlib.gzipSync(protobufOf('logs/v1/logs_service.proto', sample('otlp-logs.json')));
    const decoded = decodeRequest('logs', 'protobuf', inflate(bytes, 'gzip'));
    expect(logEvents(caller, decoded, now)).toEqual(events);
  });
});

describe('Claude Code OTLP metrics as Steward events', () => {
  it('counts the session once and keeps the other points as generic events', () => {
    const request = decodeRequest('metrics', 'json', sample('otlp-metrics.json'));
    const events = metricEvents(caller, request, now);
    const started = events.filter((e) => e.type === 'session.started');
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({ sessionId: '0a850aac-d431-4fbf-b2d0-79eccd23e396' });
    const cost = events.find(
      (e) => e.type === 'agent.event' && e.name === 'claude_code.cost.usage',
    );
    expect(cost?.attributes).toMatchObject({ value: 0.00024000000000000003, unit: 'USD' });
    for (const event of events) expect(AgentEvent.safeParse(event).success).toBe(true);
    const protobufEvents = metricEvents(
      caller,
      decodeRequest(
        'metrics',
        'protobuf',
        protobufOf('metrics/v1/metrics_service.proto', sample('otlp-metrics.json')),
      ),
      now,
    );
    expect(protobufEvents).toEqual(events);
  });
});

describe('malformed OTLP bodies', () => {
  it.each([
    ['json', Buffer.from('{"resourceLogs": [')],
    ['json', Buffer.from('{"resourceLogs": [{"scopeLogs": [{"logRecords": "x"}]}]}')],
    [
      'json',
      Buffer.from(
        '{"resourceLogs": [{"scopeLogs": [{"logRecords": [{"timeUnixNano": "soon"}]}]}]}',
      ),
    ],
    ['protobuf', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f])],
  ] as const)('refuses a %s body that is not an export', (format, bytes) => {
    expect(() => decodeRequest('logs', format, bytes)).toThrow(TelemetryError);
  });

  it('refuses a body that claims gzip but is not', () => {
    expect(() => inflate(Buffer.from('plain'), 'gzip')).toThrow(TelemetryError);
  });

  it("answers errors as google.rpc.Status in the request's encoding", () => {
    expect(JSON.parse(String(encodeStatus('json', 'bad')))).toEqual({ code: 3, message: 'bad' });
    expect(Buffer.isBuffer(encodeStatus('protobuf', 'bad'))).toBe(true);
  });
});
