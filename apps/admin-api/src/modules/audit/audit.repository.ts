import { Injectable } from '@nestjs/common';
import type {
  AuditChainState,
  AuditEvent,
  AuditExport,
  Prisma,
} from '../../generated/prisma/client';
import { PrismaService } from '../../platform/database/prisma.service';

export type AuditTx = Prisma.TransactionClient;

// The retention and legal-hold fields of an organization's chain state.
export type RetentionFields = Pick<
  Prisma.AuditChainStateUpdateInput,
  'retentionDays' | 'legalHold' | 'legalHoldReason' | 'updatedAt'
>;

// The one reader and writer of the audit tables (AuditEvent, AuditChainState, AuditExport).
// Appends go through the database function steward_audit_append (AuditService); nothing here
// writes a record.
@Injectable()
export class AuditRepository {
  constructor(private readonly prisma: PrismaService) {}

  transaction<T>(work: (tx: AuditTx) => Promise<T>, options?: { timeout: number }): Promise<T> {
    return this.prisma.$transaction(work, options);
  }

  // Records matching `where`, in chain order from after `afterSeq` (ascending) or before
  // `beforeSeq` (descending).
  recordsAfter(where: Prisma.AuditEventWhereInput, afterSeq: bigint, take: number) {
    return this.prisma.auditEvent.findMany({
      where: { ...where, seq: { gt: afterSeq } },
      orderBy: { seq: 'asc' },
      take,
    });
  }

  recordsBefore(
    where: Prisma.AuditEventWhereInput,
    beforeSeq: bigint | undefined,
    take: number,
  ): Promise<AuditEvent[]> {
    return this.prisma.auditEvent.findMany({
      where: { ...where, ...(beforeSeq !== undefined ? { seq: { lt: beforeSeq } } : {}) },
      orderBy: { seq: 'desc' },
      take,
    });
  }

  countRecords(where: Prisma.AuditEventWhereInput): Promise<number> {
    return this.prisma.auditEvent.count({ where });
  }

  chainState(organizationId: string, tx?: AuditTx): Promise<AuditChainState | null> {
    return (tx ?? this.prisma).auditChainState.findUnique({ where: { organizationId } });
  }

  updateRetention(tx: AuditTx, organizationId: string, data: RetentionFields) {
    return tx.auditChainState.update({ where: { organizationId }, data });
  }

  async organizationsDueForRetention(): Promise<string[]> {
    const due = await this.prisma.auditChainState.findMany({
      where: { retentionDays: { not: null }, legalHold: false },
      select: { organizationId: true },
    });
    return due.map((state) => state.organizationId);
  }

  // The chain's lock (the one steward_audit_append takes): no append interleaves.
  async lockChain(tx: AuditTx, organizationId: string): Promise<void> {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`audit:${organizationId}`}, 0))`;
  }

  async newestSeqBefore(
    tx: AuditTx,
    organizationId: string,
    cutoff: Date,
    afterSeq: bigint,
  ): Promise<bigint | null> {
    const last = await tx.auditEvent.findFirst({
      where: { organizationId, occurredAt: { lt: cutoff }, seq: { gt: afterSeq } },
      orderBy: { seq: 'desc' },
      select: { seq: true },
    });
    return last?.seq ?? null;
  }

  async hashOf(tx: AuditTx, organizationId: string, seq: bigint): Promise<string | null> {
    const record = await tx.auditEvent.findUnique({
      where: { organizationId_seq: { organizationId, seq } },
      select: { hash: true },
    });
    return record?.hash ?? null;
  }

  // The records of `action` in (afterSeq, throughSeq], or from afterSeq on in pages.
  recordsOfAction(
    organizationId: string,
    action: string,
    range: { afterSeq: bigint; throughSeq?: bigint; take?: number },
    tx?: AuditTx,
  ) {
    return (tx ?? this.prisma).auditEvent.findMany({
      where: {
        organizationId,
        action,
        seq: {
          gt: range.afterSeq,
          ...(range.throughSeq !== undefined ? { lte: range.throughSeq } : {}),
        },
      },
      orderBy: { seq: 'asc' },
      ...(range.take ? { take: range.take } : {}),
      select: { id: true, seq: true, resourceId: true, data: true },
    });
  }

  // Deletes records (afterSeq, throughSeq] and moves the checkpoint to throughSeq. Retention is
  // the one exception to the append-only trigger: the transaction says so (steward.audit_retention).
  async prune(
    tx: AuditTx,
    organizationId: string,
    afterSeq: bigint,
    through: { seq: bigint; hash: string },
  ): Promise<number> {
    await tx.$executeRaw`SELECT set_config('steward.audit_retention', 'on', true)`;
    const { count } = await tx.auditEvent.deleteMany({
      where: { organizationId, seq: { gt: afterSeq, lte: through.seq } },
    });
    await tx.auditChainState.update({
      where: { organizationId },
      data: { prunedSeq: through.seq, prunedHash: through.hash },
    });
    return count;
  }

  createExport(tx: AuditTx, data: Prisma.AuditExportUncheckedCreateInput): Promise<AuditExport> {
    return tx.auditExport.create({ data });
  }

  findExport(organizationId: string, id: string) {
    return this.prisma.forOrganization(organizationId).auditExport.findFirst({ where: { id } });
  }

  findExportWithoutContent(id: string, organizationId?: string) {
    return this.prisma.auditExport.findFirst({
      where: { id, ...(organizationId ? { organizationId } : {}) },
      omit: { content: true },
    });
  }

  async updateExport(id: string, data: Prisma.AuditExportUpdateInput): Promise<void> {
    await this.prisma.auditExport.update({ where: { id }, data });
  }
}
