import { graphql, type ResultOf, type VariablesOf } from '../../../lib/graphql';

export const SpendLimitsQuery = graphql(`
  query SpendLimits {
    spendLimits {
      id
      subjectType
      subjectId
      period
      amountUsd
      enforcement
      alertThresholds
    }
  }
`);
export const CreateSpendLimitMutation = graphql(`
  mutation CreateSpendLimit($input: SpendLimitInput!) {
    createSpendLimit(input: $input) {
      id
    }
  }
`);
export const DeleteSpendLimitMutation = graphql(`
  mutation DeleteSpendLimit($id: ID!) {
    deleteSpendLimit(id: $id)
  }
`);

export type SpendLimit = ResultOf<typeof SpendLimitsQuery>['spendLimits'][number];
export type SpendLimitInput = VariablesOf<typeof CreateSpendLimitMutation>['input'];

export const SpendBudgetsQuery = graphql(`
  query SpendBudgets {
    spendBudgets {
      limitId
      subjectType
      subjectId
      period
      enforcement
      limitUsd
      spentUsd
      reservedUsd
      resetsAt
      resetsInSeconds
    }
  }
`);

export type SpendBudget = ResultOf<typeof SpendBudgetsQuery>['spendBudgets'][number];

// The settings as the form shows them; saving answers with what the API kept (amounts canonical).
const EndpointSpendSettingsFields = graphql(`
  fragment EndpointSpendSettingsFields on EndpointSpendSettings @_unmask {
    leaseRequired
    maxLeaseUsd
    offlineAllowanceUsd
  }
`);

export const EndpointSpendSettingsQuery = graphql(
  `
    query EndpointSpendSettings {
      endpointSpendSettings {
        ...EndpointSpendSettingsFields
      }
    }
  `,
  [EndpointSpendSettingsFields],
);
export const SetEndpointSpendSettingsMutation = graphql(
  `
    mutation SetEndpointSpendSettings($input: EndpointSpendSettingsInput!) {
      setEndpointSpendSettings(input: $input) {
        ...EndpointSpendSettingsFields
      }
    }
  `,
  [EndpointSpendSettingsFields],
);

export type EndpointSpendSettings = ResultOf<typeof EndpointSpendSettingsFields>;
