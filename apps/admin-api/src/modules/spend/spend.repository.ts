import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import pg from 'pg';
import { Prisma } from '../../generated/prisma/client';
import { DATABASE } from '../../platform/database/database';
import type { DatabaseHandle } from '../../platform/database/database';
import { PrismaService } from '../../platform/database/prisma.service';
import { CallBatcher } from './call-batcher';

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

export interface SettleInput {
  organizationId: string;
  endpointId: string;
  leaseId: string;
  costUsd: string;
  inputTokens: number | null;
  outputTokens: number | null;
  now: Date;
}

// Deadlock and serialization failures are retried (they should not happen with one lock order,
// but a retry is cheap insurance); a unique violation is two requests with one idempotency key,
// and the retry finds the lease the other one wrote.
const RETRYABLE_SQLSTATES = ['40P01', '40001', '23505'];
const MAX_ATTEMPTS = 4;
// Requests per call (reserves and settles together): enough for every endpoint of a busy replica at once, few
// enough that one call holds the shared counter rows briefly.
const MAX_BATCH = 64;
// How long a call waits for the callers the previous call answered (see CallBatcher).
const GATHER_MS = 1;

export function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return RETRYABLE_SQLSTATES.includes(code);
  const text = error instanceof Error ? error.message : '';
  return /deadlock detected|could not serialize|duplicate key/.test(text);
}

type SpendCall = { kind: 'reserve'; input: ReserveInput } | { kind: 'settle'; input: SettleInput };

// The argument types of steward_spend_settle_batch and steward_spend_reserve_batch, in order.
const SETTLE_TYPES = ['uuid', 'uuid', 'uuid', 'numeric', 'int', 'int', 'timestamp'];

function settleArguments(inputs: SettleInput[]): unknown[] {
  return [
    inputs.map((input) => input.organizationId),
    inputs.map((input) => input.endpointId),
    inputs.map((input) => input.leaseId),
    inputs.map((input) => input.costUsd),
    inputs.map((input) => input.inputTokens),
    inputs.map((input) => input.outputTokens),
    inputs.map((input) => timestamp(input.now)),
  ];
}

const RESERVE_TYPES = [
  'uuid',
  'uuid',
  'uuid',
  'uuid',
  'numeric',
  'timestamp',
  'timestamp',
  'text',
  'text',
  'int',
  'uuid',
  'text',
];

// Leases as parallel arrays; their budgets as a flat list of (1-based lease index, limit, period).
function reserveArguments(inputs: ReserveInput[]): unknown[] {
  const budgets = inputs.flatMap((input, i) =>
    input.budgets.map((budget) => ({ lease: i + 1, ...budget })),
  );
  return [
    inputs.map((input) => input.organizationId),
    inputs.map((input) => input.userId),
    inputs.map((input) => input.endpointId),
    inputs.map((input) => input.leaseId),
    inputs.map((input) => input.amountUsd),
    inputs.map((input) => timestamp(input.now)),
    inputs.map((input) => timestamp(input.expiresAt)),
    inputs.map((input) => input.model),
    inputs.map((input) => input.idempotencyKey),
    budgets.map((budget) => budget.lease),
    budgets.map((budget) => budget.limitId),
    budgets.map((budget) => budget.periodKey),
  ];
}

// What steward_spend_reserve_batch and steward_spend_settle_batch answer: parallel arrays (see
// the migration 20261124110000_spend_leaner_functions), turned back into one outcome per request
// here.
interface ReserveAnswer {
  status: ('granted' | 'existing' | 'refused')[];
  counters: {
    ids: string[];
    keys: string[];
    limits: string[];
    enforcements: ('hard' | 'soft')[];
    spent: string[];
  };
  positions: (number | null)[];
  reserved: (string | null)[];
  existing: ([string, string, string] | null)[];
}

interface SettleAnswer {
  status: ('settled' | 'replayed' | 'not_found')[];
  amount: string[];
  cost: string[];
  settledAt: string[];
  late: boolean[];
  foldNow: boolean[];
}

function reserveOutcomes(inputs: ReserveInput[], answer: ReserveAnswer): ReserveOutcome[] {
  const { counters, positions, reserved } = answer;
  // Budget entry k (in the flat order reserveArguments sends) as the counter it names.
  const snapshot = (k: number): CounterSnapshot => {
    const j = positions[k]! - 1;
    return {
      limitId: counters.ids[j]!,
      periodKey: counters.keys[j]!,
      enforcement: counters.enforcements[j]!,
      limitUsd: counters.limits[j]!,
      spentUsd: counters.spent[j]!,
      reservedUsd: reserved[k]!,
    };
  };
  let next = 0;
  return inputs.map((input, i) => {
    const entries = input.budgets.map(() => next++);
    const status = answer.status[i];
    if (status === 'existing') {
      const [leaseId, amountUsd, expiresAt] = answer.existing[i]!;
      return { status, leaseId, amountUsd, expiresAt };
    }
    if (status === 'refused') {
      return { status, budgets: [snapshot(entries.find((k) => reserved[k] !== null)!)] };
    }
    return {
      status: 'granted',
      leaseId: input.leaseId,
      amountUsd: input.amountUsd,
      expiresAt: input.expiresAt.toISOString(),
      // In lock order, as the counters were reserved.
      budgets: entries
        .filter((k) => positions[k] !== null)
        .sort((a, b) => positions[a]! - positions[b]!)
        .map(snapshot),
    };
  });
}

function settleOutcomes(inputs: SettleInput[], answer: SettleAnswer): SettleOutcome[] {
  return inputs.map((input, i) => {
    const status = answer.status[i]!;
    if (status === 'not_found') return { status };
    return {
      status,
      leaseId: input.leaseId,
      amountUsd: answer.amount[i]!,
      costUsd: answer.cost[i]!,
      settledAt: answer.settledAt[i]!,
      late: answer.late[i]!,
      foldNow: answer.foldNow[i]!,
    };
  });
}

// The spend ledger's database access. The hot path is SQL functions (migrations
// 20261124040846_spend and after), one round trip each, sent on a small pg pool of its own:
// Prisma's own cost per query (~0.6 ms, see RECIPES) would be most of a lease. Reserves and
// settles are batched together (CallBatcher): the requests that arrive while one call runs share
// the next call and its commit. The rest is ordinary Prisma.
@Injectable()
export class SpendRepository implements OnModuleDestroy {
  private readonly pool: pg.Pool;
  // Reserves and settles share calls: one round trip and one commit for both kinds.
  private readonly calls = new CallBatcher<SpendCall, ReserveOutcome | SettleOutcome>(
    (batch) => this.callBatch(batch),
    {
      maxBatch: MAX_BATCH,
      gatherMs: GATHER_MS,
      exclusiveKey: (call) =>
        call.kind === 'settle'
          ? `settle:${call.input.leaseId}`
          : call.input.idempotencyKey === null
            ? null
            : `reserve:${call.input.endpointId}:${call.input.idempotencyKey}`,
      retryable: isRetryable,
      maxAttempts: MAX_ATTEMPTS,
    },
  );

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

  // Reserves against every budget of the input, all or nothing; retried as a whole on a deadlock,
  // a serialization failure or a concurrent lease with the same idempotency key.
  reserve(input: ReserveInput): Promise<ReserveOutcome> {
    return this.calls.submit({ kind: 'reserve', input }) as Promise<ReserveOutcome>;
  }

  // Marks the lease settled, or answers with its first settlement.
  settle(input: SettleInput): Promise<SettleOutcome> {
    return this.calls.submit({ kind: 'settle', input }) as Promise<SettleOutcome>;
  }

  // One statement, so one transaction: the settles, then the reserves (each kind's function in
  // the migration 20261124054500_spend_batched_calls). Only the kinds present are called.
  private async callBatch(batch: SpendCall[]): Promise<(ReserveOutcome | SettleOutcome)[]> {
    const settles = batch.flatMap((call) => (call.kind === 'settle' ? [call.input] : []));
    const reserves = batch.flatMap((call) => (call.kind === 'reserve' ? [call.input] : []));
    const values: unknown[] = [];
    // $n::type[] for each argument of a function, numbered after the ones already taken.
    const parameters = (taken: number, types: string[]) =>
      types.map((type, i) => `$${taken + i + 1}::${type}[]`).join(', ');
    const columns: string[] = [];
    if (settles.length > 0) {
      columns.push(
        `steward_spend_settle_batch(${parameters(values.length, SETTLE_TYPES)}) AS settled`,
      );
      values.push(...settleArguments(settles));
    } else {
      columns.push('NULL::jsonb AS settled');
    }
    if (reserves.length > 0) {
      columns.push(
        `steward_spend_reserve_batch(${parameters(values.length, RESERVE_TYPES)}) AS reserved`,
      );
      values.push(...reserveArguments(reserves));
    } else {
      columns.push('NULL::jsonb AS reserved');
    }
    const { rows } = await this.pool.query<{
      settled: SettleAnswer | null;
      reserved: ReserveAnswer | null;
    }>({
      name: `spend_batch_${settles.length > 0 ? 's' : ''}${reserves.length > 0 ? 'r' : ''}`,
      text: `SELECT ${columns.join(', ')}`,
      values,
    });
    const settled = rows[0]!.settled ? settleOutcomes(settles, rows[0]!.settled) : [];
    const reserved = rows[0]!.reserved ? reserveOutcomes(reserves, rows[0]!.reserved) : [];
    let nextSettle = 0;
    let nextReserve = 0;
    return batch.map((call) =>
      call.kind === 'settle' ? settled[nextSettle++]! : reserved[nextReserve++]!,
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
