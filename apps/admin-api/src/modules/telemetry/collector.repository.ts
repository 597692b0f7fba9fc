import { Injectable } from '@nestjs/common';
import type { Prisma, TelemetryCollector } from '../../generated/prisma/client';
import { PrismaService } from '../../platform/database/prisma.service';

export type CollectorTx = Prisma.TransactionClient;

export type CollectorValues = Omit<
  Prisma.TelemetryCollectorUncheckedCreateInput,
  'organizationId' | 'hashKey' | 'createdAt'
>;

export interface OutboxBatch {
  organizationId: string;
  eventIds: string[];
  days: Date[];
}

// The organization's collector settings and the outbox of batches waiting to be forwarded to it.
// (Ingest adds to the outbox in its own transaction: EventsRepository.addToOutbox.)
@Injectable()
export class CollectorRepository {
  constructor(private readonly prisma: PrismaService) {}

  transaction<T>(work: (tx: CollectorTx) => Promise<T>, options?: { timeout: number }) {
    return this.prisma.$transaction(work, options);
  }

  find(organizationId: string, tx?: CollectorTx): Promise<TelemetryCollector | null> {
    return (tx ?? this.prisma).telemetryCollector.findUnique({ where: { organizationId } });
  }

  upsert(tx: CollectorTx, organizationId: string, values: CollectorValues, hashKey: string) {
    return tx.telemetryCollector.upsert({
      where: { organizationId },
      create: { organizationId, ...values, hashKey },
      update: values,
    });
  }

  async remove(tx: CollectorTx, organizationId: string): Promise<boolean> {
    const { count } = await tx.telemetryCollector.deleteMany({ where: { organizationId } });
    return count > 0;
  }

  // The batch, locked for this transaction; null when it is gone or another worker holds it.
  async lockOutboxBatch(tx: CollectorTx, batchId: string): Promise<OutboxBatch | null> {
    const [row] = await tx.$queryRaw<OutboxBatch[]>`
      SELECT "organizationId", "eventIds"::text[] AS "eventIds", days
      FROM "TelemetryForwardOutbox" WHERE "batchId" = ${batchId}::uuid
      FOR UPDATE SKIP LOCKED`;
    return row ?? null;
  }

  async recordOutboxFailure(tx: CollectorTx, batchId: string, error: string): Promise<void> {
    await tx.telemetryForwardOutbox.update({
      where: { batchId },
      data: { attempts: { increment: 1 }, lastError: error },
    });
  }

  async removeFromOutbox(tx: CollectorTx, batchId: string): Promise<void> {
    await tx.telemetryForwardOutbox.delete({ where: { batchId } });
  }

  // Organizations with batches in the outbox (GROUP BY: Prisma's `distinct` would read every row).
  async organizationsInOutbox(): Promise<string[]> {
    const groups = await this.prisma.telemetryForwardOutbox.groupBy({
      by: ['organizationId'],
      orderBy: { organizationId: 'asc' },
    });
    return groups.map((group) => group.organizationId);
  }

  async oldestInOutbox(organizationId: string, limit: number): Promise<string[]> {
    const pending = await this.prisma.telemetryForwardOutbox.findMany({
      where: { organizationId },
      orderBy: { createdAt: 'asc' },
      take: limit,
      select: { batchId: true },
    });
    return pending.map((row) => row.batchId);
  }
}
