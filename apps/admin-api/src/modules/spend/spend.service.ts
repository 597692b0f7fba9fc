import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import Decimal from 'decimal.js';
import { EVENT_BUS } from '../../platform/redis/event-bus';
import type { EventBus } from '../../platform/redis/event-bus';
import { DIRECTORY_CHANGED_CHANNEL } from '../directory/directory.types';
import { GovernanceSettingsService } from '../governance/governance-settings.service';
import { GOVERNANCE_CHANGED_CHANNEL } from '../governance/governance.types';
import { OrganizationsService } from '../organizations/organizations.service';
import { ModelPricesService } from './model-prices.service';
import { currentPeriodWindow } from './periods';
import { SpendAlertsService } from './spend-alerts.service';
import { SpendClock } from './spend-clock';
import { budgetStatus, parseUsd, usd } from './spend-amounts';
import { SpendError, SpendErrorCode } from './spend.errors';
import { SpendLimitsService } from './spend-limits.service';
import type { SpendLimitForUser } from './spend-limits.types';
import { SpendLedgerRepository } from './spend-ledger.repository';
import { fromTimestamp, isRetryable, SpendRepository } from './spend.repository';
import type {
  CounterSnapshot,
  ReserveInput,
  ReserveOutcome,
  SettleInput,
  SettleOutcome,
} from './spend.repository';

export const LEASE_TTL_MS = 15 * 60_000;
// Which limits apply to a user, and the organization's lease per model call, are cached this long
// per replica (and dropped at once on a governance or directory change); the limits' amounts and
// enforcement are read live by every reserve.
const GOVERNANCE_CACHE_MS = 5_000;
const GOVERNANCE_CACHE_ENTRIES = 100_000;
// A fold that meets a deadlock or serialization failure runs again (see isRetryable).
const MAX_FOLD_ATTEMPTS = 4;
// Settlements are folded into the counters in batches, at most this long after a settle on this
// replica (and by the sweep, by a refusal and by the console's view, whichever comes first). The
// budget views fold first, so this delays a threshold's alert, and in a lease's answer a settled
// amount still shows as reserved (its remaining can only be lower than the truth). Each fold locks
// the shared team counter and costs Postgres ~6 ms: every 100 ms it took ~6% of the spend bench's
// pairs.
const FOLD_DELAY_MS = 1_000;
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
  // The settlement the request carried (of the endpoint's previous lease).
  settle?: Settlement;
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

export type SettleRequest =
  { costUsd: string } | { inputTokens: number; outputTokens: number; model?: string };

export interface LeaseRequest {
  amountUsd: string;
  model?: string;
  idempotencyKey?: string;
  // The settlement of the endpoint's previous lease, made first, in the same call as the reserve.
  settle?: SettleRequest & { leaseId: string };
}

type BudgetLimit = Pick<
  SpendLimitForUser,
  'id' | 'subjectType' | 'subjectId' | 'period' | 'enforcement' | 'amountUsd'
>;

// A model request's cost as an agent reported it: `key` names the report (its event id).
export interface AgentCost {
  key: string;
  model: string;
  costUsd: string;
  inputTokens: number;
  outputTokens: number;
}

interface EndpointSubject {
  organizationId: string;
  userId: string;
  endpointId: string;
}

// Leases and settlement against every spend limit of a user (theirs and their groups'), in the
// organization's periods; the usage ledger; the price table. Zero overspend under any concurrency
// comes from the reserve function checking each lease against counter rows it holds locked (see
// SpendRepository).
@Injectable()
export class SpendService implements OnModuleInit, OnModuleDestroy {
  // Keyed `${organizationId}:…`, so an organization's change drops all of its entries.
  private readonly governanceCache = new LRUCache<string, Promise<unknown>>({
    max: GOVERNANCE_CACHE_ENTRIES,
    ttl: GOVERNANCE_CACHE_MS,
  });
  private readonly unsubscribe: (() => void)[] = [];
  private readonly foldTimers = new Map<string, NodeJS.Timeout>();
  private readonly reconciling = new Map<string, Promise<unknown>>();
  private readonly logger = new Logger('Spend');

  constructor(
    private readonly repository: SpendRepository,
    private readonly ledgerRows: SpendLedgerRepository,
    private readonly governanceSettings: GovernanceSettingsService,
    private readonly limits: SpendLimitsService,
    private readonly organizations: OrganizationsService,
    private readonly alerts: SpendAlertsService,
    private readonly prices: ModelPricesService,
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
    if (hit) return hit as Promise<T>;
    const value = load();
    this.governanceCache.set(key, value);
    value.catch(() => this.governanceCache.delete(key));
    return value;
  }

  private limitsFor(organizationId: string, userId: string): Promise<SpendLimitForUser[]> {
    return this.cached(`${organizationId}:limits:${userId}`, () =>
      this.limits.forUser(organizationId, userId),
    );
  }

  // The most one lease may hold: the organization's endpoint spend settings.
  private leaseCeiling(organizationId: string): Promise<Decimal> {
    return this.cached(`${organizationId}:ceiling`, async () => {
      const settings = await this.governanceSettings.endpointSpend(organizationId);
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
        SpendErrorCode.LeaseAboveMaximum,
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

    let settlement: Settlement | undefined;
    let outcome: ReserveOutcome;
    if (request.settle) {
      const { leaseId, ...settle } = request.settle;
      const carried = await this.repository.settleAndReserve(
        await this.settleInput(subject, leaseId, settle),
        { ...input, leaseId: randomUUID() },
      );
      // A settle that names no lease of this endpoint refuses the request, which changed nothing.
      settlement = await this.settled(subject, leaseId, carried.settle);
      outcome = carried.reserve;
    } else {
      outcome = await this.reserve(input);
    }
    if (outcome.status === 'refused') {
      // Settled leases are folded and expired ones released here, when they would make a
      // difference: no job has to have run for a refusal to be right. The reserve is tried again
      // even when this fold found nothing: another replica may have folded what it skipped.
      await this.reconcile(subject.organizationId);
      outcome = await this.reserve(input);
    }
    return this.granted(outcome, limits, windows, amount, settlement);
  }

  // The answer to a lease request, or its refusal (which carries the settlement the request made).
  private granted(
    outcome: ReserveOutcome,
    limits: SpendLimitForUser[],
    windows: Map<string, { resetsAt: Date }>,
    amount: Decimal,
    settlement: Settlement | undefined,
  ): LeaseGrant {
    const byId = new Map(limits.map((limit) => [limit.id, limit]));
    const status = (snapshot: CounterSnapshot): BudgetStatus => {
      const limit = byId.get(snapshot.limitId)!;
      return budgetStatus(limit, snapshot, windows.get(limit.id)!.resetsAt);
    };
    if (outcome.status === 'skipped') throw new Error('a reserve was skipped after its settle');
    if (outcome.status === 'refused') {
      const [snapshot] = outcome.budgets;
      const budget = status(snapshot);
      throw new SpendError(
        SpendErrorCode.LimitExhausted,
        `the ${PERIOD_ADJECTIVE[budget.period]} hard spend limit of the ${budget.subjectType} ` +
          `(${budget.limitUsd} USD, ${budget.periodKey}) has ${budget.remainingUsd} USD left, ` +
          `less than the ${usd(amount)} USD asked; it resets at ${budget.resetsAt}`,
        { ...budget },
        settlement,
      );
    }
    return {
      id: outcome.leaseId,
      amountUsd: usd(outcome.amountUsd),
      expiresAt: fromTimestamp(outcome.expiresAt).toISOString(),
      budgets: outcome.status === 'existing' ? [] : outcome.budgets.map(status),
      existing: outcome.status === 'existing',
      ...(settlement ? { settle: settlement } : {}),
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
    const input = await this.settleInput(subject, leaseId, request);
    return this.settled(subject, leaseId, await this.repository.settle(input));
  }

  private async settleInput(
    subject: EndpointSubject,
    leaseId: string,
    request: SettleRequest,
  ): Promise<SettleInput> {
    const cost =
      'costUsd' in request
        ? new Decimal(request.costUsd)
        : await this.prices.cost(subject, leaseId, request);
    const tokens = 'costUsd' in request ? null : request;
    return {
      organizationId: subject.organizationId,
      endpointId: subject.endpointId,
      leaseId,
      costUsd: usd(cost),
      inputTokens: tokens?.inputTokens ?? null,
      outputTokens: tokens?.outputTokens ?? null,
      now: this.clock.now(),
    };
  }

  // The answer to a settle (on its own or carried by a lease request); schedules its fold.
  private async settled(
    subject: EndpointSubject,
    leaseId: string,
    outcome: SettleOutcome,
  ): Promise<Settlement> {
    if (outcome.status === 'not_found') {
      throw new SpendError(SpendErrorCode.LeaseNotFound, `no lease ${leaseId} of this endpoint`);
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

  // Model cost an agent spent without a lease (Claude Code reports each request's cost after it
  // was made): charged to every budget of the person in the current period, once per `key`, and
  // folded soon like any settlement. A hard limit cannot refuse what was already spent; the agent's
  // next prompt is refused instead (UserPromptSubmit, docs/governed-agents.md).
  async recordCosts(subject: EndpointSubject, costs: AgentCost[]): Promise<number> {
    if (costs.length === 0) return 0;
    const limits = await this.limitsFor(subject.organizationId, subject.userId);
    const now = this.clock.now();
    const recorded = await this.repository.recordCosts({
      ...subject,
      budgets: limits.map((limit) => ({
        limitId: limit.id,
        periodKey: currentPeriodWindow(limit.period, limit.timeZone, now).key,
        limitUsd: limit.amountUsd.toFixed(),
      })),
      now,
      costs: costs.map((cost) => ({ ...cost, costUsd: parseUsd(cost.costUsd, 'costUsd') })),
    });
    if (recorded > 0) this.foldSoon(subject.organizationId);
    return recorded;
  }

  // The person's budgets now, as a lease refusal names them: what the agent's prompt hook checks
  // before a new prompt.
  async budgetsFor(subject: EndpointSubject): Promise<BudgetStatus[]> {
    await this.reconcile(subject.organizationId);
    const limits = await this.limitsFor(subject.organizationId, subject.userId);
    return this.budgetsNow(subject.organizationId, limits, (limit) => limit.timeZone);
  }

  // The console's view: every limit of the organization in its current period.
  async overview(organizationId: string): Promise<BudgetStatus[]> {
    const organization = await this.organizations.findById(organizationId);
    if (!organization) {
      throw new SpendError(SpendErrorCode.NotFound, `no organization ${organizationId}`);
    }
    await this.reconcile(organizationId);
    const limits = await this.limits.list(organizationId);
    return this.budgetsNow(organizationId, limits, () => organization.timeZone);
  }

  // Each limit in its current period, from its counter (none yet: nothing spent).
  private async budgetsNow<Limit extends BudgetLimit>(
    organizationId: string,
    limits: Limit[],
    timeZoneOf: (limit: Limit) => string,
  ): Promise<BudgetStatus[]> {
    const now = this.clock.now();
    const windows = new Map(
      limits.map((limit) => [limit.id, currentPeriodWindow(limit.period, timeZoneOf(limit), now)]),
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
      // One organization whose fold fails is left for the next sweep; the others are still folded.
      await this.reconcile(organizationId).catch((error: unknown) =>
        this.logger.warn(`spend of ${organizationId} not folded: ${String(error)}`),
      );
    }
  }

  // The usage ledger (console).
  ledger(organizationId: string, filter: { userId?: string }, first: number) {
    return this.ledgerRows.list(
      organizationId,
      filter.userId ? { userId: filter.userId } : {},
      Math.min(Math.max(first, 1), 500),
    );
  }
}
