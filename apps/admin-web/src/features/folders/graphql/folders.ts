import { graphql, type ResultOf } from '../../../lib/graphql';

export const GovernanceSettingsQuery = graphql(`
  query GovernanceSettings {
    governanceSettings {
      autoApprovePlansAllowed
      webAllowedHosts
      ceiling {
        id
        pattern
        scope
        os
        description
        builtIn
        enabled
      }
    }
  }
`);
export const AddCeilingEntryMutation = graphql(`
  mutation AddCeilingEntry($input: CeilingEntryInput!) {
    addCeilingEntry(input: $input) {
      autoApprovePlansAllowed
    }
  }
`);
export const RemoveCeilingEntryMutation = graphql(`
  mutation RemoveCeilingEntry($id: ID!) {
    removeCeilingEntry(id: $id) {
      autoApprovePlansAllowed
    }
  }
`);
export const SetCeilingDefaultEnabledMutation = graphql(`
  mutation SetCeilingDefaultEnabled($id: String!, $enabled: Boolean!) {
    setCeilingDefaultEnabled(id: $id, enabled: $enabled) {
      autoApprovePlansAllowed
    }
  }
`);
export const SetAutoApprovePlansAllowedMutation = graphql(`
  mutation SetAutoApprovePlansAllowed($allowed: Boolean!) {
    setAutoApprovePlansAllowed(allowed: $allowed) {
      autoApprovePlansAllowed
    }
  }
`);
export const SetWebAllowedHostsMutation = graphql(`
  mutation SetWebAllowedHosts($hosts: [String!]!) {
    setWebAllowedHosts(hosts: $hosts) {
      webAllowedHosts
    }
  }
`);

export type CeilingEntry = ResultOf<
  typeof GovernanceSettingsQuery
>['governanceSettings']['ceiling'][number];
