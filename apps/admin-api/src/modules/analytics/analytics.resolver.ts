import { UseFilters } from '@nestjs/common';
import { Args, Query, Resolver } from '@nestjs/graphql';
import type { AdminPrincipal } from '../auth/admin-principal';
import { CurrentAdmin, RequireAdmin, SPEND_READ_ROLES } from '../auth/admin-auth.guard';
import { OrganizationActivity, OrganizationMetrics } from './analytics.graphql';
import { AnalyticsErrorFilter } from './analytics.errors';
import { AnalyticsService, parseRange } from './analytics.service';

function byDecision(counts: Record<string, number>) {
  return {
    toolCallsAllowed: counts.allow ?? 0,
    toolCallsAsked: counts.ask ?? 0,
    toolCallsDenied: counts.deny ?? 0,
  };
}

// The console's Overview charts, from the same rollups as the Analytics API. Analytics is read by
// owners, admins, auditors and billing.
@Resolver()
@UseFilters(AnalyticsErrorFilter)
export class AnalyticsResolver {
  constructor(private readonly analytics: AnalyticsService) {}

  @Query(() => OrganizationMetrics)
  @RequireAdmin(...SPEND_READ_ROLES)
  async organizationMetrics(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('from', {
      nullable: true,
      description: 'First day, YYYY-MM-DD (UTC); default 29 days before to.',
    })
    from?: string,
    @Args('to', {
      nullable: true,
      description: 'Last day, YYYY-MM-DD (UTC), inclusive; default today. At most 366 days.',
    })
    to?: string,
  ): Promise<OrganizationMetrics> {
    const range = parseRange(from ?? undefined, to ?? undefined);
    const [summary, days] = await Promise.all([
      this.analytics.summary(admin.organizationId, range),
      this.analytics.organizationDaily(admin.organizationId, range),
    ]);
    const totals: OrganizationActivity = {
      activeUsers: summary.activeUsers,
      sessions: summary.sessions,
      toolCalls: summary.toolCalls,
      ...byDecision(summary.toolCallsByDecision),
      plansApprovedManual: summary.plansApprovedManual,
      plansApprovedAuto: summary.plansApprovedAuto,
      modelRequests: summary.modelRequests,
      costUsd: summary.costUsd,
      policyViolations: summary.policyViolations,
    };
    return {
      ...range,
      totals,
      days: days.map(({ toolCallsByDecision, ...day }) => ({
        ...day,
        ...byDecision(toolCallsByDecision),
      })),
    };
  }
}
