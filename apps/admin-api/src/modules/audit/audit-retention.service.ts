import { Injectable, Logger } from '@nestjs/common';
import { EventBatchesService } from '../telemetry/event-batches.service';
import { AuditRepository, AuditTx } from './audit.repository';
import { ActorType, AuditService } from './audit.service';
import { AuditError, AuditErrorCode } from './audit.errors';

export interface RetentionSettings {
  retentionDays: number | null;
  legalHold: boolean;
  legalHoldReason: string | null;
}

const DAY_MS = 86_400_000;
// Shorter retention would let an admin erase their own tracks within days.
export const MIN_RETENTION_DAYS = 30;
const DELETE_BATCH = 10_000;
// The audit record of an agent event batch (telemetry's IngestService).
const INGESTED_ACTION = 'agent.events.ingested';

function retentionCutoff(
  state: { retentionDays: number | null; legalHold: boolean } | null,
  now: Date,
): Date | null {
  if (!state || state.legalHold || state.retentionDays === null) return null;
  return new Date(now.getTime() - state.retentionDays * DAY_MS);
}

// Retention per organization: records older than N days are deleted, with the agent events their
// batch records vouch for, unless the organization is on legal hold (spend's ledger follows the
// same cutoff: spend-ledger-retention.ts). Deletion is the one exception to the append-only
// trigger (the transaction sets steward.audit_retention) and leaves a checkpoint (the last deleted
// record's seq and hash) from which verification continues.
@Injectable()
export class AuditRetentionService {
  private readonly logger = new Logger('AuditRetention');

  constructor(
    private readonly repository: AuditRepository,
    private readonly audit: AuditService,
    private readonly batches: EventBatchesService,
  ) {}

  async settings(organizationId: string): Promise<RetentionSettings> {
    const state = await this.repository.chainState(organizationId);
    return {
      retentionDays: state?.retentionDays ?? null,
      legalHold: state?.legalHold ?? false,
      legalHoldReason: state?.legalHoldReason ?? null,
    };
  }

  async update(
    organizationId: string,
    changes: Partial<RetentionSettings>,
    actor: { type: ActorType; id: string },
  ): Promise<RetentionSettings> {
    if (
      changes.retentionDays !== undefined &&
      changes.retentionDays !== null &&
      (!Number.isInteger(changes.retentionDays) || changes.retentionDays < MIN_RETENTION_DAYS)
    ) {
      throw new AuditError(
        AuditErrorCode.Invalid,
        `retention must be at least ${MIN_RETENTION_DAYS} days, or none`,
      );
    }
    const data = {
      ...(changes.retentionDays !== undefined ? { retentionDays: changes.retentionDays } : {}),
      ...(changes.legalHold !== undefined
        ? {
            legalHold: changes.legalHold,
            legalHoldReason: changes.legalHold ? (changes.legalHoldReason ?? null) : null,
          }
        : {}),
      updatedAt: new Date(),
    };
    const saved = await this.repository.transaction(async (tx) => {
      // Recorded first: the append creates the chain state when the organization has none yet.
      await this.audit.record(
        organizationId,
        {
          actorType: actor.type,
          actorId: actor.id,
          action: 'audit.retention.updated',
          resourceType: 'audit-log',
          resourceId: organizationId,
          data: { ...data, updatedAt: undefined },
        },
        tx,
      );
      return this.repository.updateRetention(tx, organizationId, data);
    });
    return {
      retentionDays: saved.retentionDays,
      legalHold: saved.legalHold,
      legalHoldReason: saved.legalHoldReason,
    };
  }

  // Where the organization's retention cuts off at `now`: null without a retention period or on
  // legal hold. Modules that keep records of their own beside the audit log (spend's ledger)
  // delete theirs older than this.
  async cutoff(organizationId: string, now: Date): Promise<Date | null> {
    return retentionCutoff(await this.repository.chainState(organizationId), now);
  }

  // The organizations with a retention period and no hold.
  organizationsDue(): Promise<string[]> {
    return this.repository.organizationsDueForRetention();
  }

  // The job: every organization with a retention period and no hold.
  async applyAll(now = new Date()): Promise<number> {
    let deleted = 0;
    for (const organizationId of await this.organizationsDue()) {
      try {
        deleted += await this.apply(organizationId, now);
      } catch (error) {
        this.logger.error(`retention for ${organizationId} failed: ${String(error)}`);
      }
    }
    return deleted;
  }

  async apply(organizationId: string, now = new Date()): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.deleteBatch(organizationId, now);
      total += deleted;
      if (deleted < DELETE_BATCH) return total;
    }
  }

  private deleteBatch(organizationId: string, now: Date): Promise<number> {
    return this.repository.transaction(
      async (tx) => {
        // The chain's lock: no append interleaves, and the hold is read under it.
        await this.repository.lockChain(tx, organizationId);
        const state = await this.repository.chainState(organizationId, tx);
        const cutoff = retentionCutoff(state, now);
        if (!state || !cutoff) return 0;
        const lastSeq = await this.repository.newestSeqBefore(
          tx,
          organizationId,
          cutoff,
          state.prunedSeq,
        );
        if (lastSeq === null) return 0;
        const throughSeq =
          lastSeq - state.prunedSeq > BigInt(DELETE_BATCH)
            ? state.prunedSeq + BigInt(DELETE_BATCH)
            : lastSeq;
        const checkpointHash = await this.repository.hashOf(tx, organizationId, throughSeq);
        // The checkpoint must be the real record: if it is gone the chain is already broken, and
        // deleting on would hide that from verification.
        if (!checkpointHash) throw new Error(`audit record ${throughSeq} is missing; run verify`);
        await this.deleteIngestedEvents(tx, organizationId, state.prunedSeq, throughSeq);
        return this.repository.prune(tx, organizationId, state.prunedSeq, {
          seq: throughSeq,
          hash: checkpointHash,
        });
      },
      { timeout: 120_000 },
    );
  }

  // Agent events go with the audit records of the batches that stored them (each batch record
  // carries their digest), so events exist exactly while their record does and verification stays
  // whole.
  private async deleteIngestedEvents(
    tx: AuditTx,
    organizationId: string,
    afterSeq: bigint,
    throughSeq: bigint,
  ): Promise<void> {
    const records = await this.repository.recordsOfAction(
      organizationId,
      INGESTED_ACTION,
      { afterSeq, throughSeq },
      tx,
    );
    const batches = records.map((record) => ({
      batchId: record.resourceId!,
      days: (record.data as { days?: string[] }).days ?? [],
    }));
    await this.batches.deleteBatches(tx, organizationId, batches);
  }
}
