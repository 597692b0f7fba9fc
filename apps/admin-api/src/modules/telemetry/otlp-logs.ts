import type { AgentEvent, AgentEventOf, EventType } from '@steward/telemetry';

// OTLP/HTTP JSON (ExportLogsServiceRequest) built here rather than through the OpenTelemetry SDK's
// LoggerProvider: each organization has its own collector and headers, and the outbox needs to
// know whether *this* batch was accepted (the SDK batches and retries on its own, across callers).

type AnyValue =
  { stringValue: string } | { intValue: string } | { doubleValue: number } | { boolValue: boolean };
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

function value(v: string | number | boolean): AnyValue {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
}

type Attributes = Record<string, string | number | boolean | undefined>;

function attributes(pairs: Attributes): KeyValue[] {
  return Object.entries(pairs)
    .filter((pair): pair is [string, string | number | boolean] => pair[1] !== undefined)
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
    'steward.agent': event.agent,
  };
  if (event.type === 'agent.event') {
    // Another agent's own attributes, under a prefix, so they never shadow Steward's.
    const own = Object.entries(event.attributes).map(([name, v]) => [
      `steward.agent.attribute.${name}`,
      v,
    ]);
    return attributes({
      ...Object.fromEntries(own),
      ...common,
      'steward.agent.event.name': event.name,
    });
  }
  // TypeScript cannot tie the table's entry to the event's type; the table's type does.
  const own = OWN_ATTRIBUTES[event.type] as (event: AgentEvent) => Attributes;
  return attributes({ ...common, ...own(event) });
}

// What each type of Steward's own events says beside the attributes every event has.
const OWN_ATTRIBUTES: {
  [T in Exclude<EventType, 'agent.event'>]: (event: AgentEventOf<T>) => Attributes;
} = {
  'session.started': (event) => ({
    'gen_ai.request.model': event.model,
    'steward.session.task': event.task,
    'steward.session.folders': event.folders.map((f) => `${f.access}:${f.path}`).join('\n'),
    'steward.bundle.version': event.bundleVersion,
  }),
  'session.ended': (event) => ({
    'steward.session.outcome': event.outcome,
    'steward.session.reason': event.reason,
    'steward.session.tool_calls': event.toolCalls,
    'steward.cost.usd': event.costUsd,
  }),
  'plan.approved': (event) => ({
    'steward.approval.source': event.source,
    'steward.approval.by': event.approvedBy,
    'steward.plan': event.plan,
  }),
  'tool.called': (event) => ({
    ...toolCall(event),
    'mcp.method.name': event.connector ? 'tools/call' : undefined,
    // No convention names the MCP server yet.
    'steward.mcp.server.name': event.connector,
    'steward.tool.access': event.access,
    'steward.policy.decision': event.decision,
    'steward.policy.rule': event.rule,
    'steward.approval.source': event.approvalSource,
    ...toolOutcome(event),
  }),
  'file.read': (event) => ({ 'file.path': event.path, 'file.size': event.bytes }),
  'file.modified': (event) => ({
    'file.path': event.path,
    'file.size': event.bytes,
    'steward.file.change': event.change,
    'steward.file.from': event.from,
  }),
  'skill.used': (event) => ({ 'steward.skill.name': event.skill }),
  'model.requested': (event) => ({
    'gen_ai.operation.name': 'chat',
    'gen_ai.request.model': event.model,
    'gen_ai.usage.input_tokens': event.inputTokens,
    'gen_ai.usage.output_tokens': event.outputTokens,
    'steward.cost.usd': event.costUsd,
  }),
  'policy.violation': (event) => ({
    'steward.violation.kind': event.kind,
    'steward.violation.target': event.target,
    'steward.policy.rule': event.rule,
    'steward.violation.detail': event.detail,
  }),
  'prompt.submitted': (event) => ({
    'steward.prompt': event.prompt,
    'steward.prompt.length': event.promptLength,
  }),
  'model.failed': (event) => ({
    'gen_ai.operation.name': 'chat',
    'gen_ai.request.model': event.model,
    'error.type': event.statusCode === undefined ? 'model_error' : String(event.statusCode),
    'steward.model.error': event.error,
    'steward.model.attempt': event.attempt,
    'steward.model.duration_ms': event.durationMs,
  }),
  'tool.completed': (event) => ({
    ...toolCall(event),
    'steward.mcp.server.name': event.connector,
    ...toolOutcome(event),
  }),
};

// A tool call (Steward's own, or another agent's completed one): what was called, and how it ended.
type ToolEvent = AgentEventOf<'tool.called'> | AgentEventOf<'tool.completed'>;

function toolCall(event: ToolEvent): Attributes {
  return {
    'gen_ai.operation.name': 'execute_tool',
    'gen_ai.tool.name': event.mcpTool ?? event.tool,
    'gen_ai.tool.call.arguments': event.parameters,
  };
}

function toolOutcome(event: ToolEvent): Attributes {
  return {
    'steward.tool.outcome': event.outcome,
    'steward.tool.duration_ms': event.durationMs,
    'error.type': event.outcome === 'error' ? 'tool_error' : undefined,
  };
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
