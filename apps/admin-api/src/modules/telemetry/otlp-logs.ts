import type { AgentEvent } from '@steward/telemetry';

// OTLP/HTTP JSON (ExportLogsServiceRequest) built here rather than through the OpenTelemetry SDK's
// LoggerProvider: each organization has its own collector and headers, and the outbox needs to
// know whether *this* batch was accepted (the SDK batches and retries on its own, across callers).

type AnyValue = { stringValue: string } | { intValue: string } | { doubleValue: number };
export interface KeyValue {
  key: string;
  value: AnyValue;
}

export interface OtlpLogRecord {
  timeUnixNano: string;
  observedTimeUnixNano: string;
  severityNumber: number;
  severityText: string;
  eventName: string;
  body: { stringValue: string };
  attributes: KeyValue[];
}

export interface OtlpLogsRequest {
  resourceLogs: {
    resource: { attributes: KeyValue[] };
    scopeLogs: { scope: { name: string }; logRecords: OtlpLogRecord[] }[];
  }[];
}

const SEVERITY_INFO = 9;
const SEVERITY_WARN = 13;

function value(v: string | number): AnyValue {
  if (typeof v === 'string') return { stringValue: v };
  return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
}

function attributes(pairs: Record<string, string | number | undefined>): KeyValue[] {
  return Object.entries(pairs)
    .filter((pair): pair is [string, string | number] => pair[1] !== undefined)
    .map(([key, v]) => ({ key, value: value(v) }));
}

// Semantic-convention names where they exist (session.id, user.id, gen_ai.*, mcp.*, file.*,
// error.type); steward.* for what the conventions don't cover.
export function eventAttributes(event: AgentEvent): KeyValue[] {
  const common = {
    'event.name': `steward.agent.${event.type}`,
    'session.id': event.sessionId,
    'user.id': event.userId,
    'steward.endpoint.id': event.endpointId,
    'steward.event.id': event.id,
  };
  switch (event.type) {
    case 'session.started':
      return attributes({
        ...common,
        'gen_ai.request.model': event.model,
        'steward.session.task': event.task,
        'steward.session.folders': event.folders.map((f) => `${f.access}:${f.path}`).join('\n'),
        'steward.bundle.version': event.bundleVersion,
      });
    case 'session.ended':
      return attributes({
        ...common,
        'steward.session.outcome': event.outcome,
        'steward.session.reason': event.reason,
        'steward.session.tool_calls': event.toolCalls,
        'steward.cost.usd': event.costUsd,
      });
    case 'plan.approved':
      return attributes({
        ...common,
        'steward.approval.source': event.source,
        'steward.approval.by': event.approvedBy,
        'steward.plan': event.plan,
      });
    case 'tool.called':
      return attributes({
        ...common,
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': event.mcpTool ?? event.tool,
        'gen_ai.tool.call.arguments': event.parameters,
        'mcp.method.name': event.connector ? 'tools/call' : undefined,
        // No convention names the MCP server yet.
        'steward.mcp.server.name': event.connector,
        'steward.tool.access': event.access,
        'steward.policy.decision': event.decision,
        'steward.policy.rule': event.rule,
        'steward.approval.source': event.approvalSource,
        'steward.tool.outcome': event.outcome,
        'steward.tool.duration_ms': event.durationMs,
        'error.type': event.outcome === 'error' ? 'tool_error' : undefined,
      });
    case 'file.read':
      return attributes({ ...common, 'file.path': event.path, 'file.size': event.bytes });
    case 'file.modified':
      return attributes({
        ...common,
        'file.path': event.path,
        'file.size': event.bytes,
        'steward.file.change': event.change,
        'steward.file.from': event.from,
      });
    case 'skill.used':
      return attributes({ ...common, 'steward.skill.name': event.skill });
    case 'model.requested':
      return attributes({
        ...common,
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': event.model,
        'gen_ai.usage.input_tokens': event.inputTokens,
        'gen_ai.usage.output_tokens': event.outputTokens,
        'steward.cost.usd': event.costUsd,
      });
    case 'policy.violation':
      return attributes({
        ...common,
        'steward.violation.kind': event.kind,
        'steward.violation.target': event.target,
        'steward.policy.rule': event.rule,
        'steward.violation.detail': event.detail,
      });
  }
}

function unixNano(ms: number): string {
  return (BigInt(ms) * 1_000_000n).toString();
}

export function otlpLogsRequest(
  organizationId: string,
  events: AgentEvent[],
  now = new Date(),
): OtlpLogsRequest {
  return {
    resourceLogs: [
      {
        resource: {
          attributes: attributes({
            'service.name': 'steward-agent',
            'steward.organization.id': organizationId,
          }),
        },
        scopeLogs: [
          {
            scope: { name: 'steward.agent' },
            logRecords: events.map((event) => ({
              timeUnixNano: unixNano(Date.parse(event.occurredAt)),
              observedTimeUnixNano: unixNano(now.getTime()),
              severityNumber: event.type === 'policy.violation' ? SEVERITY_WARN : SEVERITY_INFO,
              severityText: event.type === 'policy.violation' ? 'WARN' : 'INFO',
              eventName: `steward.agent.${event.type}`,
              body: { stringValue: event.type },
              attributes: eventAttributes(event),
            })),
          },
        ],
      },
    ],
  };
}
