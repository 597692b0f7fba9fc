import { graphql, type ResultOf } from '../../../lib/graphql';

export const OrganizationMetricsQuery = graphql(`
  query OrganizationMetrics($from: String, $to: String) {
    organizationMetrics(from: $from, to: $to) {
      from
      to
      totals {
        activeUsers
        sessions
        toolCalls
        toolCallsDenied
        plansApprovedManual
        plansApprovedAuto
        costUsd
      }
      days {
        day
        activeUsers
        sessions
        toolCallsAllowed
        toolCallsAsked
        toolCallsDenied
        plansApprovedManual
        plansApprovedAuto
        costUsd
      }
    }
  }
`);

export type OrganizationMetrics = ResultOf<typeof OrganizationMetricsQuery>['organizationMetrics'];
export type OrganizationActivityDay = OrganizationMetrics['days'][number];
