import { graphql, type ResultOf, type VariablesOf } from '../../../lib/graphql';

export const RolesQuery = graphql(`
  query Roles {
    roles {
      id
      name
      description
      capabilities
      bindings {
        id
        subjectId
        subjectType
        createdAt
      }
      connectorRules {
        connectorId
        connectorName
        read
        write
        toolOverrides {
          tool
          decision
        }
      }
      folderRoots {
        pattern
        access
        os
      }
    }
  }
`);
export const CreateRoleMutation = graphql(`
  mutation CreateRole($input: RoleInput!) {
    createRole(input: $input) {
      id
    }
  }
`);
export const UpdateRoleMutation = graphql(`
  mutation UpdateRole($id: ID!, $input: RoleInput!) {
    updateRole(id: $id, input: $input) {
      id
    }
  }
`);
export const DeleteRoleMutation = graphql(`
  mutation DeleteRole($id: ID!) {
    deleteRole(id: $id)
  }
`);
export const BindRoleMutation = graphql(`
  mutation BindRole($roleId: ID!, $subjectId: ID!, $subjectType: GovernanceSubject!) {
    bindRole(roleId: $roleId, subjectId: $subjectId, subjectType: $subjectType) {
      id
    }
  }
`);
export const UnbindRoleMutation = graphql(`
  mutation UnbindRole($bindingId: ID!) {
    unbindRole(bindingId: $bindingId)
  }
`);
export const SimulateRoleChangeQuery = graphql(`
  query SimulateRoleChange($roleId: ID!, $draft: RoleInput, $bindings: [RoleBindingInput!]) {
    simulateRoleChange(roleId: $roleId, draft: $draft, bindings: $bindings) {
      userId
      userName
      capabilitiesGained
      capabilitiesLost
      tools {
        connector
        tool
        before
        after
      }
      folders {
        location
        os
        before
        after
      }
    }
  }
`);

export type Role = ResultOf<typeof RolesQuery>['roles'][number];
export type RoleInput = VariablesOf<typeof CreateRoleMutation>['input'];
export type RoleBindingInput = NonNullable<
  VariablesOf<typeof SimulateRoleChangeQuery>['bindings']
>[number];
export type UserPolicyChange = ResultOf<
  typeof SimulateRoleChangeQuery
>['simulateRoleChange'][number];
