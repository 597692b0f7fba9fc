import { queryOptions, useQuery, useSuspenseQuery } from '@tanstack/react-query';
import { request } from '../../../lib/graphql-client';
import { useApiMutation } from '../../../lib/mutation';
import { queryKeys } from '../../../lib/query-keys';
import {
  BindRoleMutation,
  CreateRoleMutation,
  DeleteRoleMutation,
  RolesQuery,
  SimulateRoleChangeQuery,
  UnbindRoleMutation,
  UpdateRoleMutation,
  type RoleBindingInput,
  type RoleInput,
} from '../graphql/roles';

export const rolesQueryOptions = queryOptions({
  queryKey: queryKeys.roles,
  queryFn: async () => (await request(RolesQuery)).roles,
});

export function useRoles() {
  return useSuspenseQuery(rolesQueryOptions).data;
}

// A role change republishes bundles: the publish list changes with it.
const ROLE_CHANGES = [queryKeys.roles, queryKeys.bundlePublishes];

export function useCreateRole() {
  return useApiMutation(CreateRoleMutation, { invalidates: ROLE_CHANGES, success: 'Role created' });
}

export function useUpdateRole() {
  return useApiMutation(UpdateRoleMutation, {
    invalidates: ROLE_CHANGES,
    success: 'Role saved; affected people get a new policy',
  });
}

export function useDeleteRole() {
  return useApiMutation(DeleteRoleMutation, { invalidates: ROLE_CHANGES, success: 'Role deleted' });
}

export function useBindRole() {
  return useApiMutation(BindRoleMutation, { invalidates: ROLE_CHANGES, success: 'Role bound' });
}

export function useUnbindRole() {
  return useApiMutation(UnbindRoleMutation, {
    invalidates: ROLE_CHANGES,
    success: 'Binding removed',
  });
}

// Who would gain or lose what if the role became `draft` (null: if it were deleted) and, with
// `bindings`, were bound to exactly those groups and people.
export function useSimulateRoleChange(
  roleId: string | null,
  draft: RoleInput | null,
  enabled: boolean,
  bindings: RoleBindingInput[] | null = null,
) {
  return useQuery({
    queryKey: queryKeys.simulation(roleId ?? '', { draft, bindings }),
    queryFn: async () =>
      (await request(SimulateRoleChangeQuery, { roleId: roleId ?? '', draft, bindings }))
        .simulateRoleChange,
    enabled: enabled && roleId !== null,
  });
}
