import { Injectable } from '@nestjs/common';
import { Prisma } from '../../generated/prisma/client';
import { PrismaService } from '../../platform/database/prisma.service';

export type AlertsTx = Prisma.TransactionClient;

export interface LockedAlert {
  id: string;
  organizationId: string;
  limitId: string;
  periodKey: string;
  threshold: number;
  spentUsd: string;
  limitUsd: string;
  createdAt: Date;
  auditedAt: Date | null;
  deliveredAt: Date | null;
}

// Thresholds crossed (SpendAlert: written by the settle that crossed them) and the organization's
// webhook they are posted to.
@Injectable()
export class SpendAlertsRepository {
  constructor(private readonly prisma: PrismaService) {}

  transaction<T>(work: (tx: AlertsTx) => Promise<T>, options?: { timeout: number }) {
    return this.prisma.$transaction(work, options);
  }

  // The alert, locked for this transaction; null when it is gone or another worker holds it.
  async lockAlert(tx: AlertsTx, alertId: string): Promise<LockedAlert | null> {
    const [alert] = await tx.$queryRaw<LockedAlert[]>`
      SELECT id, "organizationId", "limitId", "periodKey", threshold, "spentUsd"::text AS "spentUsd",
        "limitUsd"::text AS "limitUsd", "createdAt", "auditedAt", "deliveredAt"
      FROM "SpendAlert" WHERE id = ${alertId}::uuid FOR UPDATE SKIP LOCKED`;
    return alert ?? null;
  }

  async markAudited(tx: AlertsTx, alertId: string): Promise<void> {
    await tx.spendAlert.update({ where: { id: alertId }, data: { auditedAt: new Date() } });
  }

  async markDelivered(tx: AlertsTx, alertId: string): Promise<void> {
    await tx.spendAlert.update({
      where: { id: alertId },
      data: { deliveredAt: new Date(), attempts: { increment: 1 }, lastError: null },
    });
  }

  async recordDeliveryFailure(tx: AlertsTx, alertId: string, error: string): Promise<void> {
    await tx.spendAlert.update({
      where: { id: alertId },
      data: { attempts: { increment: 1 }, lastError: error },
    });
  }

  // Organizations with alerts not yet audited or delivered (while a webhook is set), newest day
  // only, and an organization's oldest such alerts: the sweep's catch-up for jobs lost with Redis.
  async organizationsWithPendingAlerts(since: Date): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<{ organizationId: string }[]>`
      SELECT DISTINCT a."organizationId" ${pendingSince(since)} ORDER BY 1 LIMIT 1000`;
    return rows.map((row) => row.organizationId);
  }

  async pendingAlertIds(organizationId: string, since: Date, limit: number): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      SELECT a.id ${pendingSince(since)} AND a."organizationId" = ${organizationId}::uuid
      ORDER BY a."createdAt" LIMIT ${limit}`;
    return rows.map((row) => row.id);
  }

  webhook(organizationId: string, tx?: AlertsTx) {
    return (tx ?? this.prisma).spendWebhook.findUnique({ where: { organizationId } });
  }

  upsertWebhook(
    tx: AlertsTx,
    organizationId: string,
    data: { url: string; enabled: boolean; secretSealed?: Uint8Array<ArrayBuffer> },
  ) {
    return tx.spendWebhook.upsert({
      where: { organizationId },
      create: {
        organizationId,
        url: data.url,
        enabled: data.enabled,
        secretSealed: data.secretSealed!,
      },
      update: data,
    });
  }

  async deleteWebhook(tx: AlertsTx, organizationId: string) {
    return (await tx.spendWebhook.deleteMany({ where: { organizationId } })).count > 0;
  }
}

// The alerts (as `a`) of the day since `since` still to audit, or to deliver while a webhook is set.
function pendingSince(since: Date): Prisma.Sql {
  return Prisma.sql`FROM "SpendAlert" a
    LEFT JOIN "SpendWebhook" w ON w."organizationId" = a."organizationId" AND w.enabled
    WHERE a."createdAt" >= ${since.toISOString()}::timestamp
      AND (a."auditedAt" IS NULL OR (a."deliveredAt" IS NULL AND w."organizationId" IS NOT NULL))`;
}
