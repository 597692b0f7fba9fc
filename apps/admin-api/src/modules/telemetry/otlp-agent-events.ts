import { derivedEventId, type EventBody, type GovernedAgent } from '@steward/telemetry';
import type { AuthenticatedEndpoint } from '../endpoints/endpoint-sessions';
import {
  flatAttributes,
  flatValue,
  type KeyValue,
  type LogRecord,
  type LogsRequest,
  type Metric,
  type MetricPoint,
  type MetricsRequest,
} from './otlp-wire';

// Turns an OTLP export into Steward events of the endpoint that sent it (docs/governed-agents.md).
// Who the events are about comes from the endpoint's credential, never from the payload: Claude
// Code's own `user.id` (a hash of its installation) is kept only as an attribute. Claude Code's
// events become Steward's vocabulary (a prompt, a model request and its cost, a tool decision and
// its result); anything else, including every record of another service, is kept as a generic
// `agent.event` rather than dropped.

type Flat = Record<string, string | number | boolean>;
export type AgentEventDraft = Record<string, unknown> & { id: string; type: string };

const CLAUDE_CODE_SERVICE = 'claude-code';
const PREFIX = 'claude_code.';
const MAX_TEXT = 20_000;
const MAX_ATTRIBUTES = 128;
// Claude Code's built-in tools that only read; the others change something.
const READ_TOOLS = new Set(['Read', 'Glob', 'Grep', 'LS', 'NotebookRead', 'WebFetch', 'WebSearch']);
const REDACTED_BY_CLAUDE = '<REDACTED>';

interface Context {
  caller: AuthenticatedEndpoint;
  agent: GovernedAgent | undefined;
  resource: Flat;
  now: Date;
}

export function logEvents(
  caller: AuthenticatedEndpoint,
  request: LogsRequest,
  now: Date,
): AgentEventDraft[] {
  const records = withContext(
    caller,
    now,
    request.resourceLogs,
    (resource) => resource.scopeLogs,
    (scope) => scope.logRecords,
  );
  return records.map(([context, record]) => logEvent(context, record));
}

export function metricEvents(
  caller: AuthenticatedEndpoint,
  request: MetricsRequest,
  now: Date,
): AgentEventDraft[] {
  const metrics = withContext(
    caller,
    now,
    request.resourceMetrics,
    (resource) => resource.scopeMetrics,
    (scope) => scope.metrics,
  );
  return metrics.flatMap(([context, metric]) => metricPointEvents(context, metric));
}

// The records of an export request (resources, their scopes, the scopes' records; logs and metrics
// nest alike), in order, each with the context of its resource.
function withContext<Resource extends { resource?: { attributes?: KeyValue[] } }, Scope, Item>(
  caller: AuthenticatedEndpoint,
  now: Date,
  resources: Resource[] | undefined,
  scopesOf: (resource: Resource) => Scope[] | undefined,
  recordsOf: (scope: Scope) => Item[] | undefined,
): [Context, Item][] {
  const records: [Context, Item][] = [];
  for (const resource of resources ?? []) {
    const context = contextOf(caller, flatAttributes(resource.resource?.attributes), now);
    for (const scope of scopesOf(resource) ?? []) {
      for (const record of recordsOf(scope) ?? []) records.push([context, record]);
    }
  }
  return records;
}

function contextOf(caller: AuthenticatedEndpoint, resource: Flat, now: Date): Context {
  const agent = resource['service.name'] === CLAUDE_CODE_SERVICE ? CLAUDE_CODE_SERVICE : undefined;
  return { caller, agent, resource, now };
}

function logEvent(context: Context, record: LogRecord): AgentEventDraft {
  const attributes = flatAttributes(record.attributes);
  const name = String(
    record.eventName ||
      (typeof attributes['event.name'] === 'string' && context.agent
        ? `${PREFIX}${attributes['event.name']}`
        : (flatValue(record.body) ?? 'otlp.log')),
  );
  const ms = instantMs(record.timeUnixNano) ?? instantMs(record.observedTimeUnixNano);
  const base = baseOf(
    context,
    attributes,
    ms,
    `log\u0000${name}\u0000${ms}\u0000${keyOf(attributes)}`,
  );
  const body = context.agent ? claudeCodeBody(name, attributes) : null;
  return { ...base, ...(body ?? genericBody(name, attributes)) };
}

function metricPointEvents(context: Context, metric: Metric): AgentEventDraft[] {
  const points = (
    metric.sum ??
    metric.gauge ??
    metric.histogram ??
    metric.exponentialHistogram ??
    metric.summary
  )?.dataPoints;
  return (points ?? []).flatMap((point): AgentEventDraft[] => {
    const attributes = flatAttributes(point.attributes);
    const value = pointValue(point);
    const ms = instantMs(point.timeUnixNano);
    if (context.agent && metric.name === `${PREFIX}session.count`) {
      if (!(value > 0)) return [];
      // One session.started per Claude Code session, however often its count is exported.
      const key = `session\u0000${String(attributes['session.id'] ?? keyOf(attributes))}`;
      return [
        {
          ...baseOf(context, attributes, instantMs(point.startTimeUnixNano) ?? ms, key),
          ...sessionStarted(context),
        },
      ];
    }
    const started = instantMs(point.startTimeUnixNano);
    const key = `metric\u0000${metric.name}\u0000${started}\u0000${ms}\u0000${value}\u0000${keyOf(attributes)}`;
    return [
      {
        ...baseOf(context, attributes, ms, key),
        ...genericBody(metric.name, { ...attributes, value, unit: metric.unit ?? '' }),
      },
    ];
  });
}

// The attributes in one order whatever order (and encoding) they came in: with the record's name and
// time, what names a record for its derived id.
function keyOf(attributes: Flat): string {
  return JSON.stringify(
    Object.keys(attributes)
      .sort()
      .map((key) => [key, attributes[key]]),
  );
}

function pointValue(point: MetricPoint): number {
  if (point.asDouble !== undefined) return Number(point.asDouble);
  if (point.asInt !== undefined) return Number(point.asInt);
  return point.sum ?? Number(point.count ?? 0);
}

function baseOf(context: Context, attributes: Flat, ms: number | null, key: string) {
  const at = ms ?? context.now.getTime();
  const { caller } = context;
  return {
    id: derivedEventId(at, `${caller.endpointId}\u0000${key}`),
    occurredAt: new Date(at).toISOString(),
    organizationId: caller.organizationId,
    userId: caller.userId,
    endpointId: caller.endpointId,
    sessionId: text(attributes['session.id'] ?? 'otlp').slice(0, 100) || 'otlp',
    ...(context.agent ? { agent: context.agent } : {}),
  };
}

// Nanoseconds since the epoch (a decimal string or number) as milliseconds; null for none or 0.
function instantMs(nanos: string | number | undefined): number | null {
  if (nanos === undefined) return null;
  const ms = Number(BigInt(nanos) / 1_000_000n);
  return ms > 0 ? ms : null;
}

function sessionStarted(context: Context): { type: 'session.started' } & Record<string, unknown> {
  const version = Number(context.resource['steward.bundle.version']);
  return {
    type: 'session.started',
    task: '',
    folders: [],
    model: '',
    bundleVersion: Number.isInteger(version) && version >= 0 ? version : 0,
  };
}

function claudeCodeBody(name: string, a: Flat): EventBody | null {
  switch (name) {
    case `${PREFIX}user_prompt`:
      return {
        type: 'prompt.submitted',
        promptLength: count(a.prompt_length),
        ...(a.prompt !== undefined && a.prompt !== REDACTED_BY_CLAUDE
          ? { prompt: text(a.prompt) }
          : {}),
      };
    case `${PREFIX}api_request`:
      return {
        type: 'model.requested',
        model: text(a.model ?? 'unknown').slice(0, 200),
        inputTokens: count(a.input_tokens),
        outputTokens: count(a.output_tokens),
        costUsd: usdOf(a.cost_usd_micros, a.cost_usd),
      };
    case `${PREFIX}api_error`:
      return {
        type: 'model.failed',
        model: text(a.model ?? 'unknown').slice(0, 200),
        error: text(a.error ?? 'error'),
        ...optionalCount('statusCode', a.status_code),
        ...optionalCount('durationMs', a.duration_ms),
        ...optionalCount('attempt', a.attempt),
      };
    case `${PREFIX}tool_decision`:
      return toolDecision(a);
    case `${PREFIX}tool_result`:
      return {
        type: 'tool.completed',
        ...toolOf(a),
        outcome: a.success === true || a.success === 'true' ? 'ok' : 'error',
        durationMs: count(a.duration_ms),
        ...optionalText('parameters', a.tool_input ?? a.tool_parameters),
        ...optionalText('error', a.error),
      };
    default:
      return null;
  }
}

// Claude Code's decision and who made it (`source`): its permission rules or a hook (Steward's
// managed settings and hook: allow or deny), or the person answering a prompt (Steward's `ask`).
function toolDecision(a: Flat): EventBody {
  const source = text(a.source ?? 'unknown');
  const accepted = a.decision === 'accept';
  const person = source.startsWith('user');
  const tool = toolOf(a);
  return {
    type: 'tool.called',
    ...tool,
    ...(tool.connector ? {} : { access: READ_TOOLS.has(tool.tool) ? 'read' : 'write' }),
    decision: person ? 'ask' : accepted ? 'allow' : 'deny',
    rule: `claude-code:${source}`.slice(0, 500),
    ...(person ? { approvalSource: 'person' } : {}),
    outcome: accepted ? 'ok' : 'refused',
    durationMs: 0,
    ...optionalText('parameters', a.tool_parameters),
  } as EventBody;
}

// The tool as Steward names it: an MCP tool is `mcp` with its connector (Claude Code's MCP server
// name, which is the connector's name in the managed MCP file) and tool.
function toolOf(a: Flat): { tool: string; connector?: string; mcpTool?: string } {
  const name = text(a.tool_name ?? 'unknown').slice(0, 200);
  const mcpName = /^mcp__(.+?)__(.+)$/.exec(name);
  if (mcpName) return { tool: 'mcp', connector: mcpName[1]!, mcpTool: mcpName[2]! };
  if (name !== 'mcp_tool') return { tool: name };
  try {
    const parameters = JSON.parse(String(a.tool_parameters)) as Record<string, unknown>;
    const server = parameters.mcp_server_name;
    const tool = parameters.mcp_tool_name;
    if (typeof server === 'string' && typeof tool === 'string') {
      return { tool: 'mcp', connector: server.slice(0, 200), mcpTool: tool.slice(0, 200) };
    }
  } catch {
    // tool details are not exported (OTEL_LOG_TOOL_DETAILS unset): the server is unknown
  }
  return { tool: 'mcp' };
}

function genericBody(
  name: string,
  attributes: Flat,
): { type: 'agent.event' } & Record<string, unknown> {
  const kept = Object.entries(attributes)
    .slice(0, MAX_ATTRIBUTES)
    .map(([key, value]) => [key.slice(0, 200), typeof value === 'string' ? text(value) : value]);
  return {
    type: 'agent.event',
    name: name.slice(0, 200) || 'otlp',
    attributes: Object.fromEntries(kept),
  };
}

// A cost as Steward's decimal string: from whole micro-dollars when Claude Code gives them (exact),
// else the float rounded to micro-dollars.
function usdOf(micros: unknown, dollars: unknown): string {
  const whole = Number(micros);
  const value =
    Number.isSafeInteger(whole) && whole >= 0 ? whole : Math.round(Number(dollars) * 1e6);
  if (!Number.isFinite(value) || value <= 0) return '0';
  const fraction = String(value % 1_000_000)
    .padStart(6, '0')
    .replace(/0+$/, '');
  return `${Math.floor(value / 1_000_000)}${fraction ? `.${fraction}` : ''}`;
}

function count(value: unknown): number {
  const n = Math.round(Number(value));
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

function optionalCount(name: string, value: unknown): Record<string, number> {
  return value === undefined || !Number.isFinite(Number(value)) ? {} : { [name]: count(value) };
}

function optionalText(name: string, value: unknown): Record<string, string> {
  return value === undefined ? {} : { [name]: text(value) };
}

function text(value: unknown): string {
  return String(value).slice(0, MAX_TEXT);
}
