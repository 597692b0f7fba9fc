import {
  AgentEvent,
  createEvent,
  redactEvent,
  type EventBody,
  type EventSubject,
  type RedactionRules,
} from '@steward/telemetry';
import type { EventSink } from '../control-plane/event-spool';

export interface EventOutput {
  write(line: string): void;
}

/**
 * Stamps, validates and records each session event: the full event to the person's `--json`
 * output, the redacted one (as the bundle's telemetry rules say) to the durable spool.
 */
export class EventRecorder {
  constructor(
    private readonly subject: EventSubject,
    private readonly sink: EventSink,
    private readonly redaction: { rules: RedactionRules; key: string },
    private readonly json: EventOutput | null,
  ) {}

  record(body: EventBody): AgentEvent {
    const event = AgentEvent.parse(createEvent(this.subject, body));
    this.json?.write(`${JSON.stringify(event)}\n`);
    this.sink.append(redactEvent(event, this.redaction.rules, this.redaction.key));
    return event;
  }

  /** A line for the person's output only (a step's result), never sent anywhere. */
  note(line: Record<string, unknown>): void {
    this.json?.write(`${JSON.stringify(line)}\n`);
  }
}
