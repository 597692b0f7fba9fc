import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import type pg from 'pg';
import { Prisma } from '../../generated/prisma/client';
import { DATABASE } from '../../platform/database/database';
import type { DatabaseHandle } from '../../platform/database/database';
import { faultOf } from '../../platform/database/faults';
import { createPgPool, statementName } from '../../platform/database/pg-pool';
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
  | { status: 'refused'; budgets: [CounterSnapshot] }
  // The request carried a settle that named no lease of its endpoint: nothing was reserved.
  | { status: 'skipped' };

export interface RecordCostsInput {
  organizationId: string;
  userId: string;
  endpointId: string;
  // Each budget's limit and its amount now (a new period's counter starts from it).
  budgets: { limitId: string; periodKey: string; limitUsd: string }[];
  now: Date;
  costs: {
    key: string;
    model: string;
    costUsd: string;
    inputTokens: number;
    outputTokens: number;
  }[];
}

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

const MAX_ATTEMPTS = 4;
// Requests per call (reserves and settles together): enough for every endpoint of a busy replica at once, few
// enough that one call holds the shared counter rows briefly.
const MAX_BATCH = 64;
// How long a call waits for the callers the previous call answered (see CallBatcher). The wait
// starts before their answers are written, and on loopback with 8 endpoints they were back
// 0.6-1.3 ms later: with 1 ms a call carried 4.9 requests on average, with 3 ms 7.96 of 8 (spend
// bench: +5-8% pairs per second). A caller that does not come back costs its call's successor
// these 3 ms at most, next to a model request of seconds.
const GATHER_MS = 3;

// Deadlock and serialization failures are retried (they should not happen with one lock order,
// but a retry is cheap insurance); a unique violation is two requests with one idempotency key,
// and the retry finds the lease the other one wrote.
export function isRetryable(error: unknown): boolean {
  const fault = faultOf(error);
  if (fault) return fault === 'retry' || fault === 'unique';
  // An error that carries no Postgres code, by its message.
  const text = error instanceof Error ? error.message : '';
  return /deadlock detected|could not serialize|duplicate key/.test(text);
}

type SpendCall =
  | { kind: 'reserve'; input: ReserveInput }
  | { kind: 'settle'; input: SettleInput }
  // A lease request carrying the settlement of the endpoint's previous lease.
  | { kind: 'settle+reserve'; settle: SettleInput; reserve: ReserveInput };

export interface CarriedOutcome {
  settle: SettleOutcome;
  reserve: ReserveOutcome;
}

type SpendCallOutcome = ReserveOutcome | SettleOutcome | CarriedOutcome;

// Requests that must not share a call: two settles of one lease, two leases of one endpoint with
// one idempotency key.
function exclusiveKeys(call: SpendCall): string[] {
  const settleKey = (input: SettleInput) => `settle:${input.leaseId}`;
  const reserveKey = (input: ReserveInput) =>
    input.idempotencyKey === null ? [] : [`reserve:${input.endpointId}:${input.idempotencyKey}`];
  if (call.kind === 'settle') return [settleKey(call.input)];
  if (call.kind === 'reserve') return reserveKey(call.input);
  return [settleKey(call.settle), ...reserveKey(call.reserve)];
}

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

// The one statement of a call: settle arguments, reserve arguments, then each lease's settle.
const SPEND_BATCH = `SELECT steward_spend_batch(${[...SETTLE_TYPES, ...RESERVE_TYPES, 'int']
  .map((type, i) => `$${i + 1}::${type}[]`)
  .join(', ')}) AS result`;

// What steward_spend_reserve_batch and steward_spend_settle_batch answer: parallel arrays (see
// the migration 20261124040846_spend), turned back into one outcome per request here.
interface ReserveAnswer {
  status: ('granted' | 'existing' | 'refused' | 'skipped')[];
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
    if (status === 'skipped') return { status };
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

// The spend ledger's database access. The hot path is SQL functions (migration
// 20261124040846_spend), one round trip each, sent on a small pg pool of its own:
// Prisma's own cost per query (~0.6 ms, see RECIPES) would be most of a lease. Reserves and
// settles are batched together (CallBatcher): the requests that arrive while one call runs share
// the next call and its commit. The rest is ordinary Prisma.
@Injectable()
export class SpendRepository implements OnModuleDestroy {
  private readonly pool: pg.Pool;
  // Reserves and settles share calls: one round trip and one commit for both kinds.
  private readonly calls = new CallBatcher<SpendCall, SpendCallOutcome>(
    (batch) => this.callBatch(batch),
    {
      maxBatch: MAX_BATCH,
      gatherMs: GATHER_MS,
      exclusiveKeys,
      retryable: isRetryable,
      maxAttempts: MAX_ATTEMPTS,
    },
  );

  constructor(
    private readonly prisma: PrismaService,
    @Inject(DATABASE) private readonly database: DatabaseHandle,
  ) {
    this.pool = createPgPool(database, { label: 'spend', max: database.embedded ? 2 : 10 });
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.end();
  }

  // Named on Postgres: each connection parses and plans the statement once, then only binds and
  // executes it.
  private async call<T>(name: string, text: string, values: unknown[]): Promise<T> {
    const { rows } = await this.pool.query<{ result: T }>({
      name: statementName(this.database, name),
      text,
      values,
    });
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

  // Settles the endpoint's lease named by `settle`, then reserves, in one call; the reserve is
  // skipped when the settle found no such lease, so that request changes nothing.
  settleAndReserve(settle: SettleInput, reserve: ReserveInput): Promise<CarriedOutcome> {
    return this.calls.submit({
      kind: 'settle+reserve',
      settle,
      reserve,
    }) as Promise<CarriedOutcome>;
  }

  // One statement, so one transaction: steward_spend_batch (migration 20261124040846_spend) runs
  // the settles, then the reserves.
  private async callBatch(batch: SpendCall[]): Promise<SpendCallOutcome[]> {
    const settles: SettleInput[] = [];
    const reserves: ReserveInput[] = [];
    // Per reserve, the 1-based position of the settle its request carried, or null.
    const settleOf: (number | null)[] = [];
    for (const call of batch) {
      if (call.kind === 'settle') settles.push(call.input);
      if (call.kind === 'reserve') {
        reserves.push(call.input);
        settleOf.push(null);
      }
      if (call.kind === 'settle+reserve') {
        settles.push(call.settle);
        reserves.push(call.reserve);
        settleOf.push(settles.length);
      }
    }
    const { rows } = await this.pool.query<{
      result: { settled: SettleAnswer | null; reserved: ReserveAnswer | null };
    }>({
      name: statementName(this.database, 'spend_batch'),
      text: SPEND_BATCH,
      values: [...settleArguments(settles), ...reserveArguments(reserves), settleOf],
    });
    const { settled, reserved } = rows[0]!.result;
    const settleOutcomesOf = settled ? settleOutcomes(settles, settled) : [];
    const reserveOutcomesOf = reserved ? reserveOutcomes(reserves, reserved) : [];
    let nextSettle = 0;
    let nextReserve = 0;
    return batch.map((call): SpendCallOutcome => {
      if (call.kind === 'settle') return settleOutcomesOf[nextSettle++]!;
      if (call.kind === 'reserve') return reserveOutcomesOf[nextReserve++]!;
      return {
        settle: settleOutcomesOf[nextSettle++]!,
        reserve: reserveOutcomesOf[nextReserve++]!,
      };
    });
  }

  // Costs an agent reports after the fact (no lease was taken), recorded as leases of 0 USD already
  // settled, so the next fold counts them like any settlement. Keyed by `key` per endpoint: a
  // repeated report changes nothing. The budgets' counters are created first when their period has
  // none yet (the fold only updates existing ones). Returns how many were new.
  async recordCosts(input: RecordCostsInput): Promise<number> {
    const { rowCount } = await this.pool.query({
      text: `WITH counters AS (
          INSERT INTO "SpendCounter" ("organizationId", "limitId", "periodKey", "limitUsd",
            "spentUsd", "reservedUsd", "updatedAt")
          SELECT $1::uuid, b.limit_id, b.period_key, b.limit_usd, 0, 0, $6::timestamp
          FROM unnest($4::uuid[], $5::text[], $12::numeric[]) AS b(limit_id, period_key, limit_usd)
          ORDER BY b.limit_id, b.period_key
          ON CONFLICT ("limitId", "periodKey") DO NOTHING
        )
        INSERT INTO "SpendLease" (id, "organizationId", "userId", "endpointId", "idempotencyKey",
          model, "amountUsd", "limitIds", "periodKeys", "createdAt", "expiresAt", "openUntil",
          "costUsd", "inputTokens", "outputTokens", "settledAt")
        SELECT gen_random_uuid(), $1::uuid, $2::uuid, $3::uuid, c.key, c.model, 0, $4::uuid[],
          $5::text[], $6::timestamp, $6::timestamp, '1970-01-01', c.cost, c.input_tokens,
          c.output_tokens, $6::timestamp
        FROM unnest($7::text[], $8::text[], $9::numeric[], $10::int[], $11::int[])
          AS c(key, model, cost, input_tokens, output_tokens)
        ON CONFLICT ("endpointId", "idempotencyKey") DO NOTHING`,
      values: [
        input.organizationId,
        input.userId,
        input.endpointId,
        input.budgets.map((b) => b.limitId),
        input.budgets.map((b) => b.periodKey),
        timestamp(input.now),
        input.costs.map((c) => c.key),
        input.costs.map((c) => c.model),
        input.costs.map((c) => c.costUsd),
        input.costs.map((c) => c.inputTokens),
        input.costs.map((c) => c.outputTokens),
        input.budgets.map((b) => b.limitUsd),
      ],
    });
    return rowCount ?? 0;
  }

  // Folds settled leases into the counters and releases expired ones (see the migration
  // 20261124040846_spend); returns the alerts the fold wrote.
  reconcile(organizationId: string, now: Date): Promise<{ leases: number; alertIds: string[] }> {
    return this.call(
      'spend_reconcile',
      'SELECT steward_spend_reconcile($1::uuid, $2::timestamp) AS result',
      [organizationId, timestamp(now)],
    );
  }

  // Organizations with leases to fold or release, for the catch-up sweep. DISTINCT in SQL: Prisma's
  // `distinct` (without its nativeDistinct preview) would read every due lease to return these.
  async organizationsToReconcile(now: Date): Promise<string[]> {
    const { rows } = await this.pool.query<{ organizationId: string }>({
      text: `SELECT DISTINCT "organizationId" FROM "SpendLease" WHERE "openUntil" <= $1::timestamp
        LIMIT 1000`,
      values: [timestamp(now)],
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
}
