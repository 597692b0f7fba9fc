import { Injectable, Logger } from '@nestjs/common';
import { AgentEvent, MAX_BATCH_EVENTS } from '@steward/telemetry';
import { randomUUID } from 'node:crypto';
import { JobName } from '../../platform/jobs/job-names';
import { JobsService } from '../../platform/jobs/jobs.service';
import { AuditService } from '../audit/audit.service';
import { BATCH_DIGEST_FORMAT, canonicalJson, eventsDigest } from '../audit/batch-digest';
import type { AuthenticatedEndpoint } from '../endpoints/endpoint-sessions';
import { EventPartitions, MAX_EVENT_AGE_DAYS, utcDay } from './event-partitions';
import { EventRow, EventsRepository } from './events.repository';

export interface RejectedEvent {
  index: number;
  errors: { path: string; message: string }[];
}

export interface IngestResult {
  batchId: string;
  // Valid events in the batch; stored = newly stored, duplicates = already stored before (retry).
  accepted: number;
  stored: number;
  duplicates: number;
  rejected: RejectedEvent[];
}

export class IngestError extends Error {}

const DAY_MS = 86_400_000;
// Endpoint clocks drift; events far in the future are refused.
const MAX_FUTURE_MS = DAY_MS;
const ENQUEUE_WAIT_MS = 500;

@Injectable()
export class IngestService {
  private readonly logger = new Logger('Ingest');

  constructor(
    private readonly events: EventsRepository,
    private readonly partitions: EventPartitions,
    private readonly audit: AuditService,
    private readonly jobs: JobsService,
  ) {}

  async ingest(
    caller: AuthenticatedEndpoint,
    body: unknown,
    now = new Date(),
  ): Promise<IngestResult> {
    const raw = (body as { events?: unknown } | null)?.events;
    if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_BATCH_EVENTS) {
      throw new IngestError(
        `the body must be {"events": [...]} with 1 to ${MAX_BATCH_EVENTS} events`,
      );
    }
    const rejected: RejectedEvent[] = [];
    const rows: EventRow[] = [];
    raw.forEach((candidate, index) => {
      const parsed = AgentEvent.safeParse(candidate);
      if (!parsed.success) {
        rejected.push({
          index,
          errors: parsed.error.issues.map((issue) => ({
            path: issue.path.join('.'),
            message: issue.message,
          })),
        });
        return;
      }
      const event = parsed.data;
      const problem = this.checkContext(caller, event, now);
      if (problem) {
        rejected.push({ index, errors: [problem] });
        return;
      }
      const occurredAt = new Date(event.occurredAt);
      rows.push({
        day: utcDay(occurredAt),
        id: event.id,
        occurredAt: occurredAt.toISOString(),
        type: event.type,
        userId: event.userId,
        endpointId: event.endpointId,
        sessionId: event.sessionId,
        // Canonical, so the digest of the batch's audit record is over the very text stored.
        json: canonicalJson(event),
      });
    });
    const batchId = randomUUID();
    if (!rows.length) return { batchId, accepted: 0, stored: 0, duplicates: 0, rejected };

    // One order for every batch, so two batches sharing events (a retry racing its original) lock
    // the same keys in the same order and can't deadlock.
    rows.sort((a, b) =>
      a.day !== b.day ? (a.day < b.day ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
    );
    await this.partitions.ensure(rows.map((row) => row.day));
    const { stored, forward } = await this.store(caller, batchId, rows);
    if (forward) await this.enqueueForward(batchId);
    return { batchId, accepted: rows.length, stored, duplicates: rows.length - stored, rejected };
  }

  // Events, their audit record, the rollup marks and the forwarding outbox commit together: after
  // a crash either all of it is there or none of it (and the endpoint's retry stores it).
  private store(
    caller: AuthenticatedEndpoint,
    batchId: string,
    rows: EventRow[],
  ): Promise<{ stored: number; forward: boolean }> {
    const organizationId = caller.organizationId;
    const forwarding = this.events.forwardingEnabled(organizationId);
    // Settled here too, so a batch that fails before awaiting it leaves no rejection unhandled.
    forwarding.catch(() => undefined);
    return this.events.transaction(async (sql, client) => {
      const storedRows = await this.events.insert(sql, client, organizationId, batchId, rows);
      if (!storedRows.length) return { result: { stored: 0, forward: false }, closing: [] };
      const days = [...new Set(storedRows.map((row) => row.day))].sort();
      const forward = await forwarding;
      if (forward) {
        const ids = storedRows.map((row) => row.id);
        await this.events.addToOutbox(sql, organizationId, batchId, ids, days);
      }
      // One audit record per batch rather than per event: agent events are the bulk of the
      // volume, and a per-event chain append (hashing, one row each) would halve ingest speed.
      // The record names the batch and carries the digest of exactly the events it stored
      // (batch-digest.ts), so the chain still vouches for each event: verify recomputes the
      // digest of the batch's stored events and shows any event edited, added or deleted.
      const digest = eventsDigest(storedRows);
      const types: Record<string, number> = {};
      for (const row of storedRows) types[row.type] = (types[row.type] ?? 0) + 1;
      const audit = this.audit.appendStatement(organizationId, [
        {
          actorType: 'endpoint',
          actorId: caller.endpointId,
          action: 'agent.events.ingested',
          resourceType: 'event-batch',
          resourceId: batchId,
          data: {
            count: storedRows.length,
            types,
            days,
            userId: caller.userId,
            digest,
            digestFormat: BATCH_DIGEST_FORMAT,
          },
        },
      ]);
      // The organization's audit chain and its rollup marks are shared by every upload: taken
      // last, with the commit (EventsRepository.transaction).
      return {
        result: { stored: storedRows.length, forward },
        closing: [this.events.rollupMarkStatement(organizationId, days), audit],
      };
    });
  }

  // Waited for briefly (so with Redis up the job is queued when the upload is answered), but a Redis
  // outage never fails or stalls the upload: the outbox row is committed already, and the
  // periodic forwarding job picks it up either way.
  private async enqueueForward(batchId: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ENQUEUE_WAIT_MS);
    });
    const enqueued = this.jobs
      .enqueue(JobName.TelemetryForward, { batchId }, { jobId: `forward-${batchId}` })
      .then(
        () => undefined,
        (error: unknown) =>
          this.logger.warn(`forwarding of batch ${batchId} left to the periodic job: ${error}`),
      );
    await Promise.race([enqueued, timeout]);
    clearTimeout(timer);
  }

  private checkContext(
    caller: AuthenticatedEndpoint,
    event: AgentEvent,
    now: Date,
  ): { path: string; message: string } | null {
    // The subject comes from the endpoint's enrolment: an endpoint reports for itself and its user.
    if (event.organizationId !== caller.organizationId) {
      return { path: 'organizationId', message: "not this endpoint's organization" };
    }
    if (event.endpointId !== caller.endpointId) {
      return { path: 'endpointId', message: 'not this endpoint' };
    }
    if (event.userId !== caller.userId) {
      return { path: 'userId', message: "not this endpoint's user" };
    }
    const at = Date.parse(event.occurredAt);
    if (at > now.getTime() + MAX_FUTURE_MS) {
      return { path: 'occurredAt', message: 'more than a day in the future' };
    }
    if (at < now.getTime() - MAX_EVENT_AGE_DAYS * DAY_MS) {
      return { path: 'occurredAt', message: `older than ${MAX_EVENT_AGE_DAYS} days` };
    }
    return null;
  }
}
