import { Injectable, Logger } from '@nestjs/common';
import { MAX_BATCH_EVENTS } from '@steward/telemetry';
import { JobName } from '../../platform/jobs/job-names';
import { JobsService } from '../../platform/jobs/jobs.service';
import { RollupsService } from '../analytics/rollups.service';
import { AuditService } from '../audit/audit.service';
import type { AuthenticatedEndpoint } from '../endpoints/endpoint-sessions';
import { BATCH_DIGEST_FORMAT } from './batch-digest';
import { EventBatchesService } from './event-batches.service';
import { EventPartitions } from './event-partitions.repository';
import { EventsRepository } from './events.repository';
import { TelemetryError, TelemetryErrorCode } from './telemetry.errors';
import type { PreparedBatch, PreparedUpload, RejectedEvent } from './upload-preparation';
import { UploadPreparer } from './upload-preparer';

export interface IngestResult {
  batchId: string;
  // Valid events in the batch; stored = newly stored, duplicates = already stored before (retry).
  accepted: number;
  stored: number;
  duplicates: number;
  rejected: RejectedEvent[];
}

const ENQUEUE_WAIT_MS = 500;

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
    private readonly preparer: UploadPreparer,
  ) {}

  // `body` is the upload's bytes: parsed, validated and encoded off the event loop
  // (upload-preparer.ts), so only the encoded rows ever reach this thread.
  async ingest(
    caller: AuthenticatedEndpoint,
    body: Uint8Array,
    now = new Date(),
  ): Promise<IngestResult> {
    return this.commit(caller, await this.preparer.prepareBody(caller, body, now));
  }

  // Events another way in hands over already parsed (the OTLP receiver's translations): the same
  // checks, storage, audit record and forwarding as an upload.
  async ingestEvents(
    caller: AuthenticatedEndpoint,
    events: unknown[],
    now = new Date(),
  ): Promise<IngestResult> {
    if (events.length === 0 || events.length > MAX_BATCH_EVENTS) {
      const refusal = `a batch holds 1 to ${MAX_BATCH_EVENTS} events`;
      throw new TelemetryError(TelemetryErrorCode.Invalid, refusal);
    }
    return this.commit(caller, this.preparer.prepareEvents(caller, events, now));
  }

  private async commit(
    caller: AuthenticatedEndpoint,
    prepared: PreparedUpload,
  ): Promise<IngestResult> {
    const { batchId, batch, accepted, rejected } = prepared;
    if (!batch) return { batchId, accepted, stored: 0, duplicates: 0, rejected };
    await this.partitions.ensure(batch.days);
    const { stored, forward } = await this.store(caller, batchId, batch);
    if (forward) await this.enqueueForward(batchId);
    return { batchId, accepted, stored, duplicates: accepted - stored, rejected };
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
      // Unless some were stored before (a retry), every row was stored now.
      const stored = storedIds.length === batch.rows.ids.length ? null : new Set(storedIds);
      const types: Record<string, number> = {};
      const storedDays = new Set<string>();
      batch.rows.ids.forEach((id, i) => {
        if (stored && !stored.has(id)) return;
        const type = batch.types[batch.typeOfRow[i]!]!;
        types[type] = (types[type] ?? 0) + 1;
        storedDays.add(batch.days[batch.dayOfRow[i]!]!);
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
      const digest = stored
        ? (await this.batches.storedDigest(organizationId, days, batchId, BATCH_DIGEST_FORMAT, sql))
            .digest
        : batch.digest;
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
}
