import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import pg from 'pg';
import { Prisma } from '../../generated/prisma/client';
import { DATABASE } from '../../platform/database/database';
import type { DatabaseHandle } from '../../platform/database/database';
import { PrismaService } from '../../platform/database/prisma.service';

export interface CounterSnapshot {
  limitId: string;
  periodKey: string;
  enforcement: 'hard' | 'soft';
  limitUsd: string;
  spentUsd: string;
  reservedUsd: string;
}

export type ReserveOutcome =
  | {
      status: 'granted';
      leaseId: string;
      amountUsd: string;
      expiresAt: string;
      budgets: CounterSnapshot[];
    }
  | { status: 'existing'; leaseId: string; amountUsd: string; expiresAt: string }
  | { status: 'refused'; budgets: [CounterSnapshot] };

export type SettleOutcome =
  | { status: 'not_found' }
  | {
      status: 'settled' | 'replayed';
      leaseId: string;
      amountUsd: string;
      costUsd: string;
      settledAt: string;
      late: boolean;
      // The settlement must be folded into the counters now (a late settle, or a cost above the
      // leased amount: until folded, the counters would count less than was spent).
      foldNow: boolean;
    };

export interface ReserveInput {
  organizationId: string;
  userId: string;
  endpointId: string;
  leaseId: string;
  amountUsd: string;
  budgets: { limitId: string; periodKey: string }[];
  now: Date;
  expiresAt: Date;
  model: string | null;
  idempotencyKey: string | null;
}

// Timestamps are stored as UTC wall-clock `timestamp(3)` (Prisma's DateTime); the functions take
// and return them that way.
function timestamp(date: Date): string {
  return date.toISOString();
}

export function fromTimestamp(value: string): Date {
  return new Date(/[zZ]|[+-]\d\d:\d\d$/.test(value) ? value : `${value}Z`);
}

// The spend ledger's database access. The hot path is three SQL functions (migrations
// 20261124040846_spend and after), one round trip each, sent on a small pg pool of its own: Prisma's own
// cost per query (~0.6 ms, see RECIPES) would be most of a lease. The rest is ordinary Prisma.
@Injectable()
export class SpendRepository implements OnModuleDestroy {
  private readonly pool: pg.Pool;

  constructor(
    private readonly prisma: PrismaService,
    @Inject(DATABASE) database: DatabaseHandle,
  ) {
    this.pool = new pg.Pool({ connectionString: database.url, max: database.embedded ? 2 : 10 });
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.end();
  }

  // Named: each connection parses and plans the statement once, then only binds and executes it.
  private async call<T>(name: string, text: string, values: unknown[]): Promise<T> {
    const { rows } = await this.pool.query<{ result: T }>({ name, text, values });
    return rows[0]!.result;
  }

  reserve(input: ReserveInput): Promise<ReserveOutcome> {
    return this.call(
      'spend_reserve',
      `SELECT steward_spend_reserve($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::numeric,
         $6::uuid[], $7::text[], $8::timestamp, $9::timestamp, $10, $11) AS result`,
      [
        input.organizationId,
        input.userId,
        input.endpointId,
        input.leaseId,
        input.amountUsd,
        input.budgets.map((b) => b.limitId),
        input.budgets.map((b) => b.periodKey),
        timestamp(input.now),
        timestamp(input.expiresAt),
        input.model,
        input.idempotencyKey,
      ],
    );
  }

  settle(input: {
    organizationId: string;
    endpointId: string;
    leaseId: string;
    costUsd: string;
    inputTokens: number | null;
    outputTokens: number | null;
    now: Date;
  }): Promise<SettleOutcome> {
    return this.call(
      'spend_settle',
      `SELECT steward_spend_settle($1::uuid, $2::uuid, $3::uuid, $4::numeric, $5::int, $6::int,
         $7::timestamp) AS result`,
      [
        input.organizationId,
        input.endpointId,
        input.leaseId,
        input.costUsd,
        input.inputTokens,
        input.outputTokens,
        timestamp(input.now),
      ],
    );
  }

  // Folds settled leases into the counters and releases expired ones (see the migration
  // 20261124044000_spend_deferred_settlement); returns the alerts the fold wrote.
  reconcile(organizationId: string, now: Date): Promise<{ leases: number; alertIds: string[] }> {
    return this.call(
      'spend_reconcile',
      'SELECT steward_spend_reconcile($1::uuid, $2::timestamp) AS result',
      [organizationId, timestamp(now)],
    );
  }

  // Organizations with leases to fold or release, for the catch-up sweep.
  async organizationsToReconcile(now: Date): Promise<string[]> {
    const rows = await this.prisma.spendLease.findMany({
      where: { openUntil: { lte: now } },
      distinct: ['organizationId'],
      select: { organizationId: true },
      take: 1000,
    });
    return rows.map((row) => row.organizationId);
  }

  findLease(organizationId: string, endpointId: string, leaseId: string) {
    return this.prisma
      .forOrganization(organizationId)
      .spendLease.findFirst({ where: { id: leaseId, endpointId } });
  }

  counters(organizationId: string, keys: { limitId: string; periodKey: string }[]) {
    if (keys.length === 0) return Promise.resolve([]);
    return this.prisma.forOrganization(organizationId).spendCounter.findMany({
      where: { OR: keys.map((key) => ({ limitId: key.limitId, periodKey: key.periodKey })) },
    });
  }

  ledger(organizationId: string, where: Prisma.SpendLeaseWhereInput, take: number) {
    return this.prisma.forOrganization(organizationId).spendLease.findMany({
      where: { ...where, settledAt: { not: null } },
      orderBy: { settledAt: 'desc' },
      take,
    });
  }

  // ---- price table --------------------------------------------------------------------------

  prices(organizationId: string) {
    return this.prisma
      .forOrganization(organizationId)
      .modelPrice.findMany({ orderBy: { model: 'asc' } });
  }

  price(organizationId: string, model: string) {
    return this.prisma.forOrganization(organizationId).modelPrice.findFirst({ where: { model } });
  }

  upsertPrice(
    tx: Prisma.TransactionClient,
    organizationId: string,
    price: { model: string; inputUsdPerMillion: string; outputUsdPerMillion: string },
  ) {
    return tx.modelPrice.upsert({
      where: { organizationId_model: { organizationId, model: price.model } },
      create: { organizationId, ...price },
      update: {
        inputUsdPerMillion: price.inputUsdPerMillion,
        outputUsdPerMillion: price.outputUsdPerMillion,
      },
    });
  }

  async deletePrice(tx: Prisma.TransactionClient, organizationId: string, model: string) {
    return (await tx.modelPrice.deleteMany({ where: { organizationId, model } })).count > 0;
  }

  // ---- alerts and webhooks --------------------------------------------------------------------

  findAlert(alertId: string) {
    return this.prisma.spendAlert.findUnique({ where: { id: alertId } });
  }

  // Alerts not yet audited or delivered (while a webhook is set), newest day only: the sweep's
  // catch-up for jobs lost with Redis.
  async pendingAlertIds(since: Date): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      SELECT a.id FROM "SpendAlert" a
      LEFT JOIN "SpendWebhook" w ON w."organizationId" = a."organizationId" AND w.enabled
      WHERE a."createdAt" >= ${timestamp(since)}::timestamp
        AND (a."auditedAt" IS NULL OR (a."deliveredAt" IS NULL AND w."organizationId" IS NOT NULL))
      ORDER BY a."createdAt" LIMIT 500`;
    return rows.map((row) => row.id);
  }

  webhook(organizationId: string) {
    return this.prisma.spendWebhook.findUnique({ where: { organizationId } });
  }

  upsertWebhook(
    tx: Prisma.TransactionClient,
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

  async deleteWebhook(tx: Prisma.TransactionClient, organizationId: string) {
    return (await tx.spendWebhook.deleteMany({ where: { organizationId } })).count > 0;
  }
}
