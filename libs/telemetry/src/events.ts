import { z } from 'zod';
import { isEventId, newEventId } from './event-id';

// The agent's event vocabulary: what the runtime emits and what the control plane ingests. Every
// event names who (organization, user, endpoint), which session, when, and carries a UUID v7 id
// so the receiver can drop a retried duplicate.

export const EVENT_TYPES = [
  'session.started',
  'session.ended',
  'plan.approved',
  'tool.called',
  'file.read',
  'file.modified',
  'skill.used',
  'model.requested',
  'policy.violation',
  'prompt.submitted',
  'model.failed',
  'tool.completed',
  'agent.event',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const Decision = z.enum(['allow', 'ask', 'deny']);
export const Access = z.enum(['read', 'write']);
// The governed agents other than Steward's own runtime (whose events carry no `agent`): their
// events reach the control plane through its OTLP receiver (docs/governed-agents.md).
export const GOVERNED_AGENTS = ['claude-code'] as const;
export const GovernedAgent = z.enum(GOVERNED_AGENTS);
export type GovernedAgent = z.infer<typeof GovernedAgent>;
/** A USD amount as a decimal string ("0.004215"), never a float. */
// Bounded so that a day's totals always fit the rollups' columns (DECIMAL(24, 12) for cost,
// BIGINT for tokens): one event may not stop an organization's analytics.
export const UsdAmount = z
  .string()
  .regex(/^\d{1,7}(\.\d{1,12})?$/, 'a non-negative decimal string below 10000000');
const TokenCount = z.number().int().nonnegative().max(1_000_000_000);

const eventBase = {
  id: z.string().refine(isEventId, 'a UUID version 7'),
  occurredAt: z.iso.datetime({ offset: true }),
  sessionId: z.string().min(1).max(100),
  organizationId: z.string().min(1).max(100),
  userId: z.string().min(1).max(200),
  endpointId: z.string().min(1).max(100),
  /** Which governed agent emitted it; absent for Steward's own runtime. */
  agent: GovernedAgent.optional(),
};

const text = z.string().max(20_000);

// An object schema whose keys are listed in sorted order: zod writes a parsed object's keys in
// its schema's order, so a parsed event already has the canonical key order it is stored and
// hashed in (the API's batch-digest.ts checks, and reorders only an object that does not).
function sortedObject<Shape extends z.ZodRawShape>(shape: Shape) {
  const keys = Object.keys(shape).sort();
  return z.object(Object.fromEntries(keys.map((key) => [key, shape[key]])) as Shape);
}

export const SessionStartedEvent = sortedObject({
  ...eventBase,
  type: z.literal('session.started'),
  task: text,
  folders: z.array(sortedObject({ path: text, access: Access })).max(100),
  model: z.string().max(200),
  bundleVersion: z.number().int().nonnegative(),
});

export const SessionEndedEvent = sortedObject({
  ...eventBase,
  type: z.literal('session.ended'),
  outcome: z.enum(['completed', 'failed', 'refused', 'cancelled']),
  reason: text.optional(),
  toolCalls: z.number().int().nonnegative(),
  costUsd: UsdAmount,
});

export const PlanApprovedEvent = sortedObject({
  ...eventBase,
  type: z.literal('plan.approved'),
  source: z.enum(['manual', 'auto']),
  /** The person who approved (user id), or the bundle rule that allowed auto-approval. */
  approvedBy: z.string().max(200),
  plan: text,
});

export const ToolCalledEvent = sortedObject({
  ...eventBase,
  type: z.literal('tool.called'),
  tool: z.string().max(200),
  connector: z.string().max(200).optional(),
  mcpTool: z.string().max(200).optional(),
  /** Absent when the agent does not say (Claude Code's MCP tools). */
  access: Access.optional(),
  decision: Decision,
  rule: z.string().max(500),
  /** For `ask`: who answered — the person, or nobody (no terminal: denied). */
  approvalSource: z.enum(['person', 'unattended']).optional(),
  outcome: z.enum(['ok', 'error', 'refused']),
  durationMs: z.number().nonnegative(),
  /** The call's parameters (command line, path), subject to redaction. */
  parameters: text.optional(),
  error: text.optional(),
});

export const FileReadEvent = sortedObject({
  ...eventBase,
  type: z.literal('file.read'),
  path: text,
  bytes: z.number().int().nonnegative(),
});

export const FileModifiedEvent = sortedObject({
  ...eventBase,
  type: z.literal('file.modified'),
  path: text,
  change: z.enum(['written', 'created', 'moved']),
  from: text.optional(),
  bytes: z.number().int().nonnegative().optional(),
});

export const SkillUsedEvent = sortedObject({
  ...eventBase,
  type: z.literal('skill.used'),
  skill: z.string().max(200),
});

export const ModelRequestedEvent = sortedObject({
  ...eventBase,
  type: z.literal('model.requested'),
  model: z.string().max(200),
  inputTokens: TokenCount,
  outputTokens: TokenCount,
  costUsd: UsdAmount,
});

export const PolicyViolationEvent = sortedObject({
  ...eventBase,
  type: z.literal('policy.violation'),
  kind: z.enum([
    'capability',
    'tool',
    'connector',
    'path',
    'folder_grant',
    'network',
    'sandbox',
    'bundle',
  ]),
  /** What was attempted: a tool name, `connector/tool`, a path, a host. */
  target: text,
  rule: z.string().max(500),
  detail: text.optional(),
});

/** A prompt the person submitted to the agent (the text itself only when the bundle keeps it). */
export const PromptSubmittedEvent = sortedObject({
  ...eventBase,
  type: z.literal('prompt.submitted'),
  prompt: text.optional(),
  promptLength: z.number().int().nonnegative(),
});

/** A model request that failed (no cost is charged for it). */
export const ModelFailedEvent = sortedObject({
  ...eventBase,
  type: z.literal('model.failed'),
  model: z.string().max(200),
  error: text,
  statusCode: z.number().int().nonnegative().optional(),
  durationMs: z.number().nonnegative().optional(),
  attempt: z.number().int().nonnegative().optional(),
});

/**
 * The result of a tool call an agent decided separately (Claude Code reports the decision, as
 * `tool.called`, and the result, as this, in two records).
 */
export const ToolCompletedEvent = sortedObject({
  ...eventBase,
  type: z.literal('tool.completed'),
  tool: z.string().max(200),
  connector: z.string().max(200).optional(),
  mcpTool: z.string().max(200).optional(),
  outcome: z.enum(['ok', 'error']),
  durationMs: z.number().nonnegative(),
  parameters: text.optional(),
  error: text.optional(),
});

export const MAX_GENERIC_ATTRIBUTES = 128;
const GenericValue = z.union([z.string().max(20_000), z.number(), z.boolean()]);

/**
 * An agent's event Steward has no vocabulary for, kept as it came (its name and flat attributes)
 * rather than dropped.
 */
export const GenericAgentEvent = sortedObject({
  ...eventBase,
  type: z.literal('agent.event'),
  name: z.string().min(1).max(200),
  attributes: z
    .record(z.string().max(200), GenericValue)
    .refine((value) => Object.keys(value).length <= MAX_GENERIC_ATTRIBUTES, {
      message: `at most ${MAX_GENERIC_ATTRIBUTES} attributes`,
    }),
});

// NUL, or half of a UTF-16 surrogate pair: text Postgres cannot store (text and jsonb refuse both).
const UNSTORABLE_TEXT =
  // eslint-disable-next-line no-control-regex -- NUL is exactly what this looks for
  /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

// Every string of an event, wherever it sits, must be storable: one that is not would fail the
// whole batch's write, and the endpoint would retry it for ever. Returns the path to the first
// one that is not (built only then: this runs for every ingested event).
function unstorableTextPath(value: unknown): (string | number)[] | null {
  if (typeof value === 'string') return UNSTORABLE_TEXT.test(value) ? [] : null;
  if (value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const path = unstorableTextPath(value[i]);
      if (path) return [i, ...path];
    }
    return null;
  }
  for (const key in value) {
    const path = unstorableTextPath((value as Record<string, unknown>)[key]);
    if (path) return [key, ...path];
  }
  return null;
}

export const AgentEvent = z
  .discriminatedUnion('type', [
    SessionStartedEvent,
    SessionEndedEvent,
    PlanApprovedEvent,
    ToolCalledEvent,
    FileReadEvent,
    FileModifiedEvent,
    SkillUsedEvent,
    ModelRequestedEvent,
    PolicyViolationEvent,
    PromptSubmittedEvent,
    ModelFailedEvent,
    ToolCompletedEvent,
    GenericAgentEvent,
  ])
  .superRefine((event, ctx) => {
    const path = unstorableTextPath(event);
    if (path) {
      ctx.addIssue({
        code: 'custom',
        path,
        message: 'text with a NUL character or an unpaired UTF-16 surrogate cannot be stored',
      });
    }
  });
export type AgentEvent = z.infer<typeof AgentEvent>;
export type AgentEventOf<T extends EventType> = Extract<AgentEvent, { type: T }>;

export const MAX_BATCH_EVENTS = 500;

/** What the runtime posts to the control plane: ids make a retried batch idempotent. */
export const EventBatch = z.object({
  events: z.array(AgentEvent).min(1).max(MAX_BATCH_EVENTS),
});
export type EventBatch = z.infer<typeof EventBatch>;

/** Who emitted an event; filled once per session. */
export interface EventSubject {
  organizationId: string;
  userId: string;
  endpointId: string;
  sessionId: string;
}

type Body<T extends EventType> = Omit<AgentEventOf<T>, 'id' | 'occurredAt' | keyof EventSubject>;
export type EventBody = { [T in EventType]: Body<T> }[EventType];

/** Stamps an event body with a fresh id, the time and its subject. */
export function createEvent(subject: EventSubject, body: EventBody, now = new Date()): AgentEvent {
  return {
    id: newEventId(now.getTime()),
    occurredAt: now.toISOString(),
    ...subject,
    ...body,
  } as AgentEvent;
}
