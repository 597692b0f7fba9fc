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

export const SessionStartedEvent = z.object({
  ...eventBase,
  type: z.literal('session.started'),
  task: text,
  folders: z.array(z.object({ path: text, access: Access })).max(100),
  model: z.string().max(200),
  bundleVersion: z.number().int().nonnegative(),
});

export const SessionEndedEvent = z.object({
  ...eventBase,
  type: z.literal('session.ended'),
  outcome: z.enum(['completed', 'failed', 'refused', 'cancelled']),
  reason: text.optional(),
  toolCalls: z.number().int().nonnegative(),
  costUsd: UsdAmount,
});

export const PlanApprovedEvent = z.object({
  ...eventBase,
  type: z.literal('plan.approved'),
  source: z.enum(['manual', 'auto']),
  /** The person who approved (user id), or the bundle rule that allowed auto-approval. */
  approvedBy: z.string().max(200),
  plan: text,
});

export const ToolCalledEvent = z.object({
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

export const FileReadEvent = z.object({
  ...eventBase,
  type: z.literal('file.read'),
  path: text,
  bytes: z.number().int().nonnegative(),
});

export const FileModifiedEvent = z.object({
  ...eventBase,
  type: z.literal('file.modified'),
  path: text,
  change: z.enum(['written', 'created', 'moved']),
  from: text.optional(),
  bytes: z.number().int().nonnegative().optional(),
});

export const SkillUsedEvent = z.object({
  ...eventBase,
  type: z.literal('skill.used'),
  skill: z.string().max(200),
});

export const ModelRequestedEvent = z.object({
  ...eventBase,
  type: z.literal('model.requested'),
  model: z.string().max(200),
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  costUsd: UsdAmount,
});

export const PolicyViolationEvent = z.object({
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
  /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

// Every string of an event, wherever it sits, must be storable: one that is not would fail the
// whole batch's write, and the endpoint would retry it for ever.
function refuseUnstorableText(value: unknown, path: (string | number)[], ctx: z.RefinementCtx) {
  if (typeof value === 'string') {
    if (UNSTORABLE_TEXT.test(value)) {
      ctx.addIssue({
        code: 'custom',
        path,
        message: 'text with a NUL character or an unpaired UTF-16 surrogate cannot be stored',
      });
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => refuseUnstorableText(item, [...path, i], ctx));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      refuseUnstorableText(item, [...path, key], ctx);
    }
  }
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
  .superRefine((event, ctx) => refuseUnstorableText(event, [], ctx));
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
