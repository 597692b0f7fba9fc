import { UseFilters } from '@nestjs/common';
import { Args, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { AdminPrincipal } from '../auth/admin-principal';
import {
  CurrentAdmin,
  RequireAdmin,
  SPEND_READ_ROLES,
  WRITE_ROLES,
} from '../auth/admin-auth.guard';
import { ModelPricesService } from './model-prices.service';
import { SpendAlertsService } from './spend-alerts.service';
import { SpendClock } from './spend-clock';
import { SpendErrorFilter } from './spend.errors';
import {
  ModelPriceInput,
  ModelPriceView,
  SpendBudget,
  SpendLedgerEntry,
  SpendWebhookInput,
  SpendWebhookView,
} from './spend.graphql';
import { SpendService } from './spend.service';

function priceView(row: {
  model: string;
  inputUsdPerMillion: { toFixed(): string };
  outputUsdPerMillion: { toFixed(): string };
  updatedAt: Date;
}): ModelPriceView {
  return {
    model: row.model,
    inputUsdPerMillion: row.inputUsdPerMillion.toFixed(),
    outputUsdPerMillion: row.outputUsdPerMillion.toFixed(),
    updatedAt: row.updatedAt,
  };
}

// The console's spend pages: current spend against every limit, the usage ledger, the price table
// and the alert webhook. Owners, admins, auditors and billing read; owners and admins write.
@Resolver()
@UseFilters(SpendErrorFilter)
export class SpendResolver {
  constructor(
    private readonly spend: SpendService,
    private readonly prices: ModelPricesService,
    private readonly alerts: SpendAlertsService,
    private readonly clock: SpendClock,
  ) {}

  @Query(() => [SpendBudget])
  @RequireAdmin(...SPEND_READ_ROLES)
  async spendBudgets(@CurrentAdmin() admin: AdminPrincipal): Promise<SpendBudget[]> {
    const now = this.clock.now().getTime();
    return (await this.spend.overview(admin.organizationId)).map((budget) => {
      const resetsAt = new Date(budget.resetsAt);
      return {
        ...budget,
        resetsAt,
        resetsInSeconds: Math.max(0, Math.ceil((resetsAt.getTime() - now) / 1000)),
      } as SpendBudget;
    });
  }

  @Query(() => [SpendLedgerEntry])
  @RequireAdmin(...SPEND_READ_ROLES)
  async spendLedger(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('userId', { type: () => ID, nullable: true }) userId?: string,
    @Args('first', { type: () => Int, defaultValue: 100 }) first = 100,
  ): Promise<SpendLedgerEntry[]> {
    const rows = await this.spend.ledger(admin.organizationId, { userId }, first);
    return rows.map((row) => ({
      id: row.id,
      userId: row.userId,
      endpointId: row.endpointId,
      model: row.model ?? undefined,
      inputTokens: row.inputTokens ?? undefined,
      outputTokens: row.outputTokens ?? undefined,
      leasedUsd: row.amountUsd.toFixed(),
      costUsd: row.costUsd!.toFixed(),
      settledAt: row.settledAt!,
    }));
  }

  @Query(() => [ModelPriceView])
  @RequireAdmin(...SPEND_READ_ROLES)
  async modelPrices(@CurrentAdmin() admin: AdminPrincipal): Promise<ModelPriceView[]> {
    return (await this.prices.prices(admin.organizationId)).map(priceView);
  }

  @Mutation(() => ModelPriceView)
  @RequireAdmin(...WRITE_ROLES)
  async setModelPrice(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('input') input: ModelPriceInput,
  ): Promise<ModelPriceView> {
    return priceView(
      await this.prices.setPrice(admin.organizationId, input, { id: admin.adminId }),
    );
  }

  @Mutation(() => Boolean)
  @RequireAdmin(...WRITE_ROLES)
  deleteModelPrice(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('model') model: string,
  ): Promise<boolean> {
    return this.prices.deletePrice(admin.organizationId, model, { id: admin.adminId });
  }

  @Query(() => SpendWebhookView, { nullable: true })
  @RequireAdmin(...SPEND_READ_ROLES)
  async spendWebhook(@CurrentAdmin() admin: AdminPrincipal): Promise<SpendWebhookView | null> {
    const row = await this.alerts.webhook(admin.organizationId);
    return row ? { url: row.url, enabled: row.enabled, updatedAt: row.updatedAt } : null;
  }

  @Mutation(() => SpendWebhookView)
  @RequireAdmin(...WRITE_ROLES)
  setSpendWebhook(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('input') input: SpendWebhookInput,
  ): Promise<SpendWebhookView> {
    return this.alerts.setWebhook(admin.organizationId, input, { id: admin.adminId });
  }

  @Mutation(() => Boolean)
  @RequireAdmin(...WRITE_ROLES)
  deleteSpendWebhook(@CurrentAdmin() admin: AdminPrincipal): Promise<boolean> {
    return this.alerts.deleteWebhook(admin.organizationId, { id: admin.adminId });
  }
}
