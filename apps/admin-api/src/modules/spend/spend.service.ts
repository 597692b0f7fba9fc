import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import Decimal from 'decimal.js';
import { PrismaService } from '../../platform/database/prisma.service';
import { EVENT_BUS } from '../../platform/redis/event-bus';
import type { EventBus } from '../../platform/redis/event-bus';
import { AuditService } from '../audit/audit.service';
import { DIRECTORY_CHANGED_CHANNEL } from '../directory/directory.types';
import { GovernanceService } from '../governance/governance.service';
import type { SpendLimitForUser } from '../governance/governance.service';
import { GOVERNANCE_CHANGED_CHANNEL } from '../governance/governance.types';
import { OrganizationsService } from '../organizations/organizations.service';
import { currentPeriodWindow } from './periods';
import { SpendAlertsService } from './spend-alerts.service';
import { SpendClock } from './spend-clock';
import { SpendError } from './spend.errors';
import { fromTimestamp, isRetryable, SpendRepository } from './spend.repository';
import type { CounterSnapshot, ReserveInput, ReserveOutcome } from './spend.repository';

export const LEASE_TTL_MS = 15 * 60_000;
// Which limits apply to a user, and the organization's lease per model call, are cached this long
// per replica (and dropped at once on a governance or directory change); the limits' amounts and
// enforcement are read live by every reserve.
const GOVERNANCE_CACHE_MS = 5_000;
// A fold that meets a deadlock or serialization failure runs again (see isRetryable).
const MAX_FOLD_ATTEMPTS = 4;
// Settlements are folded into the counters in batches, at most this long after a settle on this
// replica (and by the sweep, by a refusal and by the console's view, whichever comes first).
const FOLD_DELAY_MS = 100;
const PERIOD_ADJECTIVE = { day: 'daily', week: 'weekly', month: 'monthly' } as const;

export interface BudgetStatus {
  limitId: string;
  subjectType: 'user' | 'group';
  subjectId: string;
  period: 'day' | 'week' | 'month';
  periodKey: string;
  enforcement: 'hard' | 'soft';
  limitUsd: string;
  spentUsd: string;
  reservedUsd: string;
  remainingUsd: string;
  resetsAt: string;
}

export interface LeaseGrant {
  id: string;
  amountUsd: string;
  expiresAt: string;
  budgets: BudgetStatus[];
  // True when the idempotency key named an existing lease.
  existing: boolean;
}

export interface Settlement {
  id: string;
  amountUsd: string;
  costUsd: string;
  returnedUsd: string;
  settledAt: string;
  late: boolean;
  replayed: boolean;
}

export interface LeaseRequest {
  amountUsd: string;
  model?: string;
  idempotencyKey?: string;
}

export type SettleRequest =
  { costUsd: string } | { inputTokens: number; outputTokens: number; model?: string };

interface EndpointSubject {
  organizationId: string;
  userId: string;
  endpointId: string;
}

// A non-negative USD amount with at most 6 decimals, as a string (never a float).
export function parseUsd(value: string, name: string): string {
  if (!/^\d{1,12}(\.\d{1,6})?$/.test(value)) {
    throw new SpendError('invalid', `${name}: a USD amount like "0.25" (at most 6 decimals)`);
  }
  return new Decimal(value).toFixed();
}

function usd(value: Decimal.Value): string {
  return new Decimal(value).toDecimalPlaces(6).toFixed();
}

// Leases and settlement against every spend limit of a user (theirs and their groups'), in the
// organization's periods; the usage ledger; the price table. Zero overspend under any concurrency
// comes from the reserve function checking each lease against counter rows it holds locked (see
// SpendRepository).
@Injectable()
export class SpendService implements OnModuleInit, OnModuleDestroy {
  // Keyed `${organizationId}:…`, so an organization's change drops all of its entries.
  private readonly governanceCache = new Map<string, { at: number; value: Promise<unknown> }>();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly foldTimers = new Map<string, NodeJS.Timeout>();
  private readonly reconciling = new Map<string, Promise<unknown>>();
  private readonly logger = new Logger('Spend');

  constructor(
    private readonly repository: SpendRepository,
    private readonly governance: GovernanceService,
    private readonly organizations: OrganizationsService,
    private readonly alerts: SpendAlertsService,
    private readonly audit: AuditService,
    private readonly prisma: PrismaService,
    private readonly clock: SpendClock,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
  ) {}

  async onModuleInit(): Promise<void> {
    const forget = (message: string) => {
      const { organizationId } = JSON.parse(message) as { organizationId: string };
      for (const key of this.governanceCache.keys()) {
        if (key.startsWith(`${organizationId}:`)) this.governanceCache.delete(key);
      }
    };
    this.unsubscribe.push(
      await this.bus.subscribe(GOVERNANCE_CHANGED_CHANNEL, forget),
      await this.bus.subscribe(DIRECTORY_CHANGED_CHANNEL, forget),
    );
  }

  onModuleDestroy(): void {
    for (const stop of this.unsubscribe.splice(0)) stop();
    // What was not folded yet is folded by another replica's sweep or the next refusal.
    for (const timer of this.foldTimers.values()) clearTimeout(timer);
    this.foldTimers.clear();
  }

  private cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.governanceCache.get(key);
    if (hit && Date.now() - hit.at < GOVERNANCE_CACHE_MS) return hit.value as Promise<T>;
    const value = load();
    this.governanceCache.set(key, { at: Date.now(), value });
    value.catch(() => this.governanceCache.delete(key));
    return value;
  }

  private limitsFor(organizationId: string, userId: string): Promise<SpendLimitForUser[]> {
    return this.cached(`${organizationId}:limits:${userId}`, () =>
      this.governance.spendLimitsForUser(organizationId, userId),
    );
  }

  // The most one lease may hold: the organization's endpoint spend settings.
  private leaseCeiling(organizationId: string): Promise<Decimal> {
    return this.cached(`${organizationId}:ceiling`, async () => {
      const settings = await this.governance.endpointSpend(organizationId);
      return new Decimal(settings.maxLeaseUsd);
    });
  }

  async lease(subject: EndpointSubject, request: LeaseRequest): Promise<LeaseGrant> {
    const amount = new Decimal(request.amountUsd);
    const [limits, ceiling] = await Promise.all([
      this.limitsFor(subject.organizationId, subject.userId),
      this.leaseCeiling(subject.organizationId),
    ]);
    // The runtime leases exactly the organization's maxLeaseUsd per model call (it is signed into
    // its bundle); a larger lease is not one it would ask for.
    if (amount.gt(ceiling)) {
      throw new SpendError(
        'lease_above_maximum',
        `this organization leases at most ${ceiling.toFixed()} USD per model request ` +
          `(its endpoint spend settings), not ${usd(amount)} USD`,
        { maxLeaseUsd: ceiling.toFixed() },
      );
    }
    const now = this.clock.now();
    const windows = new Map(
      limits.map((limit) => [limit.id, currentPeriodWindow(limit.period, limit.timeZone, now)]),
    );
    const input = {
      organizationId: subject.organizationId,
      userId: subject.userId,
      endpointId: subject.endpointId,
      amountUsd: usd(amount),
      budgets: limits.map((limit) => ({
        limitId: limit.id,
        periodKey: windows.get(limit.id)!.key,
      })),
      now,
      expiresAt: new Date(now.getTime() + LEASE_TTL_MS),
      model: request.model ?? null,
      idempotencyKey: request.idempotencyKey ?? null,
    };

    let outcome = await this.reserve(input);
    if (outcome.status === 'refused') {
      // Settled leases are folded and expired ones released here, when they would make a
      // difference: no job has to have run for a refusal to be right. The reserve is tried again
      // even when this fold found nothing: another replica may have folded what it skipped.
      await this.reconcile(subject.organizationId);
      outcome = await this.reserve(input);
    }
    const byId = new Map(limits.map((limit) => [limit.id, limit]));
    const status = (snapshot: CounterSnapshot): BudgetStatus => {
      const limit = byId.get(snapshot.limitId)!;
      return budgetStatus(limit, snapshot, windows.get(limit.id)!.resetsAt);
    };
    if (outcome.status === 'refused') {
      const [snapshot] = outcome.budgets;
      const budget = status(snapshot);
      throw new SpendError(
        'limit_exhausted',
        `the ${PERIOD_ADJECTIVE[budget.period]} hard spend limit of the ${budget.subjectType} ` +
          `(${budget.limitUsd} USD, ${budget.periodKey}) has ${budget.remainingUsd} USD left, ` +
          `less than the ${usd(amount)} USD asked; it resets at ${budget.resetsAt}`,
        { ...budget },
      );
    }
    if (outcome.status === 'existing') {
      return {
        id: outcome.leaseId,
        amountUsd: usd(outcome.amountUsd),
        expiresAt: fromTimestamp(outcome.expiresAt).toISOString(),
        budgets: [],
        existing: true,
      };
    }
    return {
      id: outcome.leaseId,
      amountUsd: usd(outcome.amountUsd),
      expiresAt: fromTimestamp(outcome.expiresAt).toISOString(),
      budgets: outcome.budgets.map(status),
      existing: false,
    };
  }

  // Folds settled leases into the counters and releases expired ones; returns how many leases it
  // handled. Waits for a fold of the same organization already running here, so that when it
  // returns, everything settled before the call is counted.
  async reconcile(organizationId: string): Promise<number> {
    await this.reconciling.get(organizationId)?.catch(() => undefined);
    const run = this.fold(organizationId);
    this.reconciling.set(organizationId, run);
    try {
      return await run;
    } finally {
      if (this.reconciling.get(organizationId) === run) this.reconciling.delete(organizationId);
    }
  }

  private async fold(organizationId: string): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.repository.reconcile(organizationId, this.clock.now());
        // The alert rows are committed; a lost job is caught up by the sweep.
        for (const alertId of result.alertIds) await this.alerts.enqueue(alertId);
        return result.leases;
      } catch (error) {
        if (attempt >= MAX_FOLD_ATTEMPTS || !isRetryable(error)) throw error;
      }
    }
  }

  private foldSoon(organizationId: string): void {
    if (this.foldTimers.has(organizationId)) return;
    const timer = setTimeout(() => {
      this.foldTimers.delete(organizationId);
      this.reconcile(organizationId).catch((error: unknown) =>
        this.logger.warn(`spend of ${organizationId} not folded yet: ${String(error)}`),
      );
    }, FOLD_DELAY_MS);
    timer.unref();
    this.foldTimers.set(organizationId, timer);
  }

  private reserve(input: Omit<ReserveInput, 'leaseId'>): Promise<ReserveOutcome> {
    return this.repository.reserve({ ...input, leaseId: randomUUID() });
  }

  async settle(
    subject: EndpointSubject,
    leaseId: string,
    request: SettleRequest,
  ): Promise<Settlement> {
    const cost =
      'costUsd' in request
        ? new Decimal(request.costUsd)
        : await this.priceTokens(subject, leaseId, request);
    const tokens = 'costUsd' in request ? null : request;
    const outcome = await this.repository.settle({
      organizationId: subject.organizationId,
      endpointId: subject.endpointId,
      leaseId,
      costUsd: usd(cost),
      inputTokens: tokens?.inputTokens ?? null,
      outputTokens: tokens?.outputTokens ?? null,
      now: this.clock.now(),
    });
    if (outcome.status === 'not_found') {
      throw new SpendError('lease_not_found', `no lease ${leaseId} of this endpoint`);
    }
    if (outcome.status === 'settled') {
      if (outcome.foldNow) await this.reconcile(subject.organizationId);
      else this.foldSoon(subject.organizationId);
    }
    const returned = Decimal.max(0, new Decimal(outcome.amountUsd).minus(outcome.costUsd));
    return {
      id: outcome.leaseId,
      amountUsd: usd(outcome.amountUsd),
      costUsd: usd(outcome.costUsd),
      returnedUsd: usd(outcome.late ? 0 : returned),
      settledAt: fromTimestamp(outcome.settledAt).toISOString(),
      late: outcome.late,
      replayed: outcome.status === 'replayed',
    };
  }

  // tokens × the organization's price per million tokens of the model, exactly.
  private async priceTokens(
    subject: EndpointSubject,
    leaseId: string,
    request: { inputTokens: number; outputTokens: number; model?: string },
  ): Promise<Decimal> {
    let model = request.model;
    if (!model) {
      const lease = await this.repository.findLease(
        subject.organizationId,
        subject.endpointId,
        leaseId,
      );
      if (!lease) throw new SpendError('lease_not_found', `no lease ${leaseId} of this endpoint`);
      model = lease.model ?? undefined;
    }
    const price = model ? await this.repository.price(subject.organizationId, model) : null;
    if (!price) {
      throw new SpendError(
        'model_price_unknown',
        model
          ? `the price table has no model ${model}`
          : 'the lease names no model: send costUsd or model',
      );
    }
    return modelCost(price, request.inputTokens, request.outputTokens);
  }

  // The console's view: every limit of the organization in its current period.
  async overview(organizationId: string): Promise<BudgetStatus[]> {
    const organization = await this.organizations.findById(organizationId);
    if (!organization) throw new SpendError('not_found', `no organization ${organizationId}`);
    await this.reconcile(organizationId);
    const now = this.clock.now();
    const limits = await this.governance.listSpendLimits(organizationId);
    const windows = new Map(
      limits.map((limit) => [
        limit.id,
        currentPeriodWindow(limit.period, organization.timeZone, now),
      ]),
    );
    const counters = await this.repository.counters(
      organizationId,
      limits.map((limit) => ({ limitId: limit.id, periodKey: windows.get(limit.id)!.key })),
    );
    const byKey = new Map(counters.map((c) => [`${c.limitId}:${c.periodKey}`, c]));
    return limits.map((limit) => {
      const window = windows.get(limit.id)!;
      const counter = byKey.get(`${limit.id}:${window.key}`);
      return budgetStatus(
        limit,
        {
          limitId: limit.id,
          periodKey: window.key,
          enforcement: limit.enforcement,
          limitUsd: limit.amountUsd.toFixed(),
          spentUsd: counter?.spentUsd.toFixed() ?? '0',
          reservedUsd: counter?.reservedUsd.toFixed() ?? '0',
        },
        window.resetsAt,
      );
    });
  }

  // The catch-up for folds a stopped replica did not run; reserving reconciles what it needs by
  // itself.
  async reconcileAll(): Promise<void> {
    for (const organizationId of await this.repository.organizationsToReconcile(this.clock.now())) {
      await this.reconcile(organizationId);
    }
  }

  // ---- price table and ledger (console) --------------------------------------------------------

  prices(organizationId: string) {
    return this.repository.prices(organizationId);
  }

  async setPrice(
    organizationId: string,
    price: { model: string; inputUsdPerMillion: string; outputUsdPerMillion: string },
    actor: { id: string },
  ) {
    const model = price.model.trim();
    if (!model || model.length > 200) throw new SpendError('invalid', 'model: 1..200 characters');
    const input = parseUsd(price.inputUsdPerMillion, 'inputUsdPerMillion');
    const output = parseUsd(price.outputUsdPerMillion, 'outputUsdPerMillion');
    return this.prisma.$transaction(async (tx) => {
      const row = await this.repository.upsertPrice(tx, organizationId, {
        model,
        inputUsdPerMillion: input,
        outputUsdPerMillion: output,
      });
      await this.audit.record(
        organizationId,
        {
          actorType: 'admin',
          actorId: actor.id,
          action: 'spend.price.set',
          resourceType: 'model_price',
          resourceId: row.id,
          data: { model, inputUsdPerMillion: input, outputUsdPerMillion: output },
        },
        tx,
      );
      return row;
    });
  }

  async deletePrice(organizationId: string, model: string, actor: { id: string }) {
    return this.prisma.$transaction(async (tx) => {
      const deleted = await this.repository.deletePrice(tx, organizationId, model);
      if (deleted) {
        await this.audit.record(
          organizationId,
          {
            actorType: 'admin',
            actorId: actor.id,
            action: 'spend.price.deleted',
            resourceType: 'model_price',
            data: { model },
          },
          tx,
        );
      }
      return deleted;
    });
  }

  ledger(organizationId: string, filter: { userId?: string }, first: number) {
    return this.repository.ledger(
      organizationId,
      filter.userId ? { userId: filter.userId } : {},
      Math.min(Math.max(first, 1), 500),
    );
  }
}

export function modelCost(
  price: { inputUsdPerMillion: Decimal.Value; outputUsdPerMillion: Decimal.Value },
  inputTokens: number,
  outputTokens: number,
): Decimal {
  return new Decimal(inputTokens)
    .times(price.inputUsdPerMillion.toString())
    .plus(new Decimal(outputTokens).times(price.outputUsdPerMillion.toString()))
    .dividedBy(1_000_000)
    .toDecimalPlaces(6, Decimal.ROUND_HALF_UP);
}

function budgetStatus(
  limit: Pick<SpendLimitForUser, 'id' | 'subjectType' | 'subjectId' | 'period' | 'enforcement'>,
  snapshot: CounterSnapshot,
  resetsAt: Date,
): BudgetStatus {
  const remaining = new Decimal(snapshot.limitUsd)
    .minus(snapshot.spentUsd)
    .minus(snapshot.reservedUsd);
  return {
    limitId: limit.id,
    subjectType: limit.subjectType,
    subjectId: limit.subjectId,
    period: limit.period,
    periodKey: snapshot.periodKey,
    enforcement: limit.enforcement,
    limitUsd: usd(snapshot.limitUsd),
    spentUsd: usd(snapshot.spentUsd),
    reservedUsd: usd(snapshot.reservedUsd),
    remainingUsd: usd(Decimal.max(0, remaining)),
    resetsAt: resetsAt.toISOString(),
  };
}
