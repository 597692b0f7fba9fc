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
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const Decision = z.enum(['allow', 'ask', 'deny']);
export const Access = z.enum(['read', 'write']);
/** A USD amount as a decimal string ("0.004215"), never a float. */
export const UsdAmount = z.string().regex(/^\d+(\.\d{1,12})?$/, 'a non-negative decimal string');

const eventBase = {
  id: z.string().refine(isEventId, 'a UUID version 7'),
  occurredAt: z.iso.datetime({ offset: true }),
  sessionId: z.string().min(1).max(100),
  organizationId: z.string().min(1).max(100),
  userId: z.string().min(1).max(200),
  endpointId: z.string().min(1).max(100),
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
  access: Access,
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
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
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
