import { Injectable, Logger } from '@nestjs/common';
import { AuditChainState, Prisma } from '../../generated/prisma/client';
import { PrismaService } from '../../platform/database/prisma.service';
import { ActorType, AuditService } from './audit.service';

export interface RetentionSettings {
  retentionDays: number | null;
  legalHold: boolean;
  legalHoldReason: string | null;
}

export class RetentionError extends Error {}

const DAY_MS = 86_400_000;
// Shorter retention would let an admin erase their own tracks within days.
export const MIN_RETENTION_DAYS = 30;
const DELETE_BATCH = 10_000;
// The audit record of an agent event batch (telemetry's IngestService).
const INGESTED_ACTION = 'agent.events.ingested';

// Retention per organization: records older than N days are deleted, with the agent events their
// batch records vouch for, unless the organization is on legal hold. Deletion is the one exception to the append-only trigger (the transaction sets
// steward.audit_retention) and leaves a checkpoint (the last deleted record's seq and hash) from
// which verification continues.
@Injectable()
export class AuditRetentionService {
  private readonly logger = new Logger('AuditRetention');

  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditService,
  ) {}

  async settings(organizationId: string): Promise<RetentionSettings> {
    const state = await this.prisma.auditChainState.findUnique({ where: { organizationId } });
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
      throw new RetentionError(`retention must be at least ${MIN_RETENTION_DAYS} days, or none`);
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
    const saved = await this.prisma.$transaction(async (tx) => {
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
      return tx.auditChainState.update({ where: { organizationId }, data });
    });
    return {
      retentionDays: saved.retentionDays,
      legalHold: saved.legalHold,
      legalHoldReason: saved.legalHoldReason,
    };
  }

  // The job: every organization with a retention period and no hold.
  async applyAll(now = new Date()): Promise<number> {
    const due = await this.prisma.auditChainState.findMany({
      where: { retentionDays: { not: null }, legalHold: false },
      select: { organizationId: true },
    });
    let deleted = 0;
    for (const { organizationId } of due) {
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
    return this.prisma.$transaction(
      async (tx) => {
        // The chain's lock: no append interleaves, and the hold is read under it.
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`audit:${organizationId}`}, 0))`;
        const state: AuditChainState | null = await tx.auditChainState.findUnique({
          where: { organizationId },
        });
        if (!state || state.legalHold || state.retentionDays === null) return 0;
        const cutoff = new Date(now.getTime() - state.retentionDays * DAY_MS);
        const last = await tx.auditEvent.findFirst({
          where: { organizationId, occurredAt: { lt: cutoff }, seq: { gt: state.prunedSeq } },
          orderBy: { seq: 'desc' },
          select: { seq: true },
        });
        if (!last) return 0;
        const throughSeq =
          last.seq - state.prunedSeq > BigInt(DELETE_BATCH)
            ? state.prunedSeq + BigInt(DELETE_BATCH)
            : last.seq;
        const checkpoint = await tx.auditEvent.findUnique({
          where: { organizationId_seq: { organizationId, seq: throughSeq } },
          select: { hash: true },
        });
        // The checkpoint must be the real record: if it is gone the chain is already broken, and
        // deleting on would hide that from verification.
        if (!checkpoint) throw new Error(`audit record ${throughSeq} is missing; run verify`);
        await tx.$executeRaw`SELECT set_config('steward.audit_retention', 'on', true)`;
        await this.deleteIngestedEvents(tx, organizationId, state.prunedSeq, throughSeq);
        const { count } = await tx.auditEvent.deleteMany({
          where: { organizationId, seq: { gt: state.prunedSeq, lte: throughSeq } },
        });
        await tx.auditChainState.update({
          where: { organizationId },
          data: { prunedSeq: throughSeq, prunedHash: checkpoint.hash },
        });
        return count;
      },
      { timeout: 120_000 },
    );
  }

  // Agent events go with the audit records of the batches that stored them (each batch record
  // carries their digest), so events exist exactly while their record does and verification stays
  // whole. One statement per day: each touches a single day partition through its key.
  private async deleteIngestedEvents(
    tx: Prisma.TransactionClient,
    organizationId: string,
    afterSeq: bigint,
    throughSeq: bigint,
  ): Promise<void> {
    const batches = await tx.auditEvent.findMany({
      where: {
        organizationId,
        seq: { gt: afterSeq, lte: throughSeq },
        action: INGESTED_ACTION,
      },
      select: { resourceId: true, data: true },
    });
    const batchesByDay = new Map<string, string[]>();
    for (const batch of batches) {
      for (const day of (batch.data as { days?: string[] }).days ?? []) {
        batchesByDay.set(day, [...(batchesByDay.get(day) ?? []), batch.resourceId!]);
      }
    }
    for (const [day, batchIds] of batchesByDay) {
      await tx.$executeRaw`
        DELETE FROM "AgentEvent"
        WHERE "organizationId" = ${organizationId}::uuid AND day = ${day}::date
          AND "batchId" = ANY(${batchIds}::uuid[])`;
    }
  }
}
