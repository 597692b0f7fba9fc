import { Injectable, Logger } from '@nestjs/common';
import { AgentEvent, MAX_BATCH_EVENTS, newEventId } from '@steward/telemetry';
import { JobName } from '../../platform/jobs/job-names';
import { JobsService } from '../../platform/jobs/jobs.service';
import { RollupsService } from '../analytics/rollups.service';
import { AuditService } from '../audit/audit.service';
import type { AuthenticatedEndpoint } from '../endpoints/endpoint-sessions';
import { canonicalJson } from '../../platform/canonical-json';
import { BATCH_DIGEST_FORMAT, eventsDigest } from './batch-digest';
import { EventBatchesService } from './event-batches.service';
import { EventPartitions, MAX_EVENT_AGE_DAYS } from './event-partitions.repository';
import { EncodedRows, EventRow, EventsRepository } from './events.repository';
import { TelemetryError, TelemetryErrorCode } from './telemetry.errors';

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

// A validated upload, ready to write: the encoded rows, and per row (in the same order) its day
// and type; the digest of all of them.
interface PreparedBatch {
  rows: EncodedRows;
  days: string[];
  types: string[];
  digest: string;
}

interface Prepared {
  batchId: string;
  batch: PreparedBatch | null;
  accepted: number;
  rejected: RejectedEvent[];
}

const DAY_MS = 86_400_000;
// Endpoint clocks drift; events far in the future are refused.
const MAX_FUTURE_MS = DAY_MS;
const ENQUEUE_WAIT_MS = 500;
const UTC_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

// An upload's body: {"events": [...]} with 1 to MAX_BATCH_EVENTS events.
function parseBatch(body: Buffer): unknown[] {
  let parsedBody: unknown;
  try {
    parsedBody = JSON.parse(body.toString('utf8'));
  } catch {
    throw new TelemetryError(TelemetryErrorCode.Invalid, 'the body is not JSON');
  }
  const raw = (parsedBody as { events?: unknown } | null)?.events;
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_BATCH_EVENTS) {
    throw new TelemetryError(
      TelemetryErrorCode.Invalid,
      `the body must be {"events": [...]} with 1 to ${MAX_BATCH_EVENTS} events`,
    );
  }
  return raw;
}

@Injectable()
export class IngestService {
  private readonly logger = new Logger('Ingest');

  constructor(
    private readonly events: EventsRepository,
    private readonly partitions: EventPartitions,
    private readonly audit: AuditService,
    private readonly jobs: JobsService,
    private readonly batches: EventBatchesService,
    private readonly rollups: RollupsService,
  ) {}

  // `body` is the upload's bytes: everything parsed from it is dropped before the first await
  // (see ingest-route.ts), since only the prepared batch reaches the async part.
  ingest(caller: AuthenticatedEndpoint, body: Buffer, now = new Date()): Promise<IngestResult> {
    let prepared: Prepared;
    try {
      prepared = this.prepare(caller, parseBatch(body), now);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return this.commit(caller, prepared);
  }

  // Events another way in hands over already parsed (the OTLP receiver's translations): the same
  // checks, storage, audit record and forwarding as an upload.
  ingestEvents(
    caller: AuthenticatedEndpoint,
    events: unknown[],
    now = new Date(),
  ): Promise<IngestResult> {
    if (events.length === 0 || events.length > MAX_BATCH_EVENTS) {
      const refusal = `a batch holds 1 to ${MAX_BATCH_EVENTS} events`;
      return Promise.reject(new TelemetryError(TelemetryErrorCode.Invalid, refusal));
    }
    let prepared: Prepared;
    try {
      prepared = this.prepare(caller, events, now);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return this.commit(caller, prepared);
  }

  private async commit(caller: AuthenticatedEndpoint, prepared: Prepared): Promise<IngestResult> {
    const { batchId, batch, accepted, rejected } = prepared;
    if (!batch) return { batchId, accepted, stored: 0, duplicates: 0, rejected };
    await this.partitions.ensure(batch.days);
    const { stored, forward } = await this.store(caller, batchId, batch);
    if (forward) await this.enqueueForward(batchId);
    return { batchId, accepted, stored, duplicates: accepted - stored, rejected };
  }

  // Parses, validates and encodes the upload in one synchronous step: what is left is the encoded
  // rows and a little metadata per event.
  private prepare(caller: AuthenticatedEndpoint, events: unknown[], now: Date): Prepared {
    // Time-ordered (UUID v7), so the day's index of batch ids grows at one end, like its events'.
    const batchId = newEventId();
    const { rows, accepted, rejected } = this.validate(caller, events, now);
    if (!rows.length) return { batchId, batch: null, accepted, rejected };
    return {
      batchId,
      batch: {
        rows: this.events.encode(caller, batchId, rows),
        days: rows.map((row) => row.day),
        types: rows.map((row) => row.type),
        digest: eventsDigest(rows),
      },
      accepted,
      rejected,
    };
  }

  // The batch's valid events as the rows to store, each id once (in one order for every batch,
  // so two batches sharing events, a retry racing its original, lock the same keys in the same
  // order and can't deadlock), and the invalid ones by index.
  private validate(
    caller: AuthenticatedEndpoint,
    raw: unknown[],
    now: Date,
  ): { rows: EventRow[]; accepted: number; rejected: RejectedEvent[] } {
    const rejected: RejectedEvent[] = [];
    const rows: EventRow[] = [];
    const ids = new Set<string>();
    let accepted = 0;
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
      const at = Date.parse(event.occurredAt);
      const problem = this.checkContext(caller, event, at, now);
      if (problem) {
        rejected.push({ index, errors: [problem] });
        return;
      }
      accepted++;
      // An id repeated within the batch is stored once, as it first appears.
      if (ids.has(event.id)) return;
      ids.add(event.id);
      // Endpoints send the form toISOString writes; any other (an offset, more digits) is normalised.
      const occurredAt = UTC_INSTANT.test(event.occurredAt)
        ? event.occurredAt
        : new Date(at).toISOString();
      rows.push({
        day: occurredAt.slice(0, 10),
        id: event.id,
        occurredAt,
        type: event.type,
        sessionId: event.sessionId,
        // Canonical, so the digest of the batch's audit record is over the very text stored.
        json: canonicalJson(event),
      });
    });
    rows.sort((a, b) =>
      a.day !== b.day ? (a.day < b.day ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
    );
    return { rows, accepted, rejected };
  }

  // Events, their audit record, the rollup marks and the forwarding outbox commit together: after
  // a crash either all of it is there or none of it (and the endpoint's retry stores it).
  private store(
    caller: AuthenticatedEndpoint,
    batchId: string,
    batch: PreparedBatch,
  ): Promise<{ stored: number; forward: boolean }> {
    const organizationId = caller.organizationId;
    const forwarding = this.events.forwardingEnabled(organizationId);
    // Settled here too, so a batch that fails before awaiting it leaves no rejection unhandled.
    forwarding.catch(() => undefined);
    return this.events.transaction(async (sql, client) => {
      const storedIds = await this.events.insert(sql, client, batch.rows);
      if (!storedIds.length) return { result: { stored: 0, forward: false }, closing: [] };
      const stored = new Set(storedIds);
      const types: Record<string, number> = {};
      const storedDays = new Set<string>();
      batch.rows.ids.forEach((id, i) => {
        if (!stored.has(id)) return;
        const type = batch.types[i]!;
        types[type] = (types[type] ?? 0) + 1;
        storedDays.add(batch.days[i]!);
      });
      const days = [...storedDays].sort();
      const forward = await forwarding;
      if (forward) await this.events.addToOutbox(sql, organizationId, batchId, storedIds, days);
      // One audit record per batch rather than per event: agent events are the bulk of the
      // volume, and a per-event chain append (hashing, one row each) would halve ingest speed.
      // The record names the batch and carries the digest of exactly the events it stored
      // (batch-digest.ts), so the chain still vouches for each event: verify recomputes the
      // digest of the batch's stored events and shows any event edited, added or deleted. When
      // some were stored before (a retry), the digest is of the ones read back here.
      const digest =
        storedIds.length === batch.rows.ids.length
          ? batch.digest
          : (
              await this.batches.storedDigest(
                organizationId,
                days,
                batchId,
                BATCH_DIGEST_FORMAT,
                sql,
              )
            ).digest;
      const audit = this.audit.appendStatement(organizationId, [
        {
          actorType: 'endpoint',
          actorId: caller.endpointId,
          action: 'agent.events.ingested',
          resourceType: 'event-batch',
          resourceId: batchId,
          data: {
            count: storedIds.length,
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
        result: { stored: storedIds.length, forward },
        closing: [this.rollups.markPendingStatement(organizationId, days), audit],
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
    at: number,
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
    if (at > now.getTime() + MAX_FUTURE_MS) {
      return { path: 'occurredAt', message: 'more than a day in the future' };
    }
    if (at < now.getTime() - MAX_EVENT_AGE_DAYS * DAY_MS) {
      return { path: 'occurredAt', message: `older than ${MAX_EVENT_AGE_DAYS} days` };
    }
    return null;
  }
}
