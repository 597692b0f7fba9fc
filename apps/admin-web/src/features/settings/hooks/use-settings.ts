import { useQuery } from '@tanstack/react-query';
import { request } from '../../../lib/graphql-client';
import { useApiMutation } from '../../../lib/mutation';
import { queryKeys } from '../../../lib/query-keys';
import {
  AdminRoleMappingsQuery,
  AdminSessionsQuery,
  ConfigureSamlMutation,
  CreateMachineCredentialMutation,
  FetchSamlIdpMetadataMutation,
  MachineCredentialsQuery,
  RemoveAdminRoleMappingMutation,
  RemoveTelemetryCollectorMutation,
  RevokeAdminSessionMutation,
  RevokeMachineCredentialMutation,
  RevokeSigningKeyMutation,
  RotateSigningKeyMutation,
  SamlSettingsQuery,
  ScimProvisioningQuery,
  ScimRefusalsQuery,
  SetAdminRoleMappingMutation,
  SetTelemetryCollectorMutation,
  SigningKeysQuery,
  TelemetryCollectorQuery,
} from '../graphql/settings';

// Settings sections load independently: one an admin may not read must not blank the others.
export function useSamlSettings(enabled: boolean) {
  return useQuery({
    queryKey: queryKeys.samlSettings,
    queryFn: async () => (await request(SamlSettingsQuery)).samlSettings,
    enabled,
  });
}

export function useAdminRoleMappings(enabled: boolean) {
  return useQuery({
    queryKey: queryKeys.adminRoleMappings,
    queryFn: async () => (await request(AdminRoleMappingsQuery)).adminRoleMappings,
    enabled,
  });
}

export function useConfigureSaml() {
  return useApiMutation(ConfigureSamlMutation, {
    invalidates: [queryKeys.samlSettings],
    success: 'Identity provider saved',
  });
}

// The API fetches the IdP's metadata from its URL; nothing is stored until the form is saved.
export function useFetchSamlIdpMetadata() {
  return useApiMutation(FetchSamlIdpMetadataMutation, { invalidates: [] });
}

export function useSetAdminRoleMapping() {
  return useApiMutation(SetAdminRoleMappingMutation, {
    invalidates: [queryKeys.adminRoleMappings],
    success: 'Role mapping saved',
  });
}

export function useRemoveAdminRoleMapping() {
  return useApiMutation(RemoveAdminRoleMappingMutation, {
    invalidates: [queryKeys.adminRoleMappings],
    success: 'Role mapping removed',
  });
}

export function useMachineCredentials() {
  return useQuery({
    queryKey: queryKeys.machineCredentials,
    queryFn: async () => (await request(MachineCredentialsQuery)).machineCredentials,
  });
}

export function useCreateMachineCredential() {
  return useApiMutation(CreateMachineCredentialMutation, {
    invalidates: [queryKeys.machineCredentials],
  });
}

export function useRevokeMachineCredential() {
  return useApiMutation(RevokeMachineCredentialMutation, {
    invalidates: [queryKeys.machineCredentials],
    success: 'Credential revoked',
  });
}

export function useTelemetryCollector(enabled: boolean) {
  return useQuery({
    queryKey: queryKeys.telemetryCollector,
    queryFn: async () => (await request(TelemetryCollectorQuery)).telemetryCollector,
    enabled,
  });
}

export function useSetTelemetryCollector() {
  return useApiMutation(SetTelemetryCollectorMutation, {
    invalidates: [queryKeys.telemetryCollector],
    success: 'OpenTelemetry export saved',
  });
}

export function useRemoveTelemetryCollector() {
  return useApiMutation(RemoveTelemetryCollectorMutation, {
    invalidates: [queryKeys.telemetryCollector],
    success: 'OpenTelemetry export stopped',
  });
}

export function useSigningKeys() {
  return useQuery({
    queryKey: queryKeys.signingKeys,
    queryFn: async () => (await request(SigningKeysQuery)).signingKeys,
  });
}

export function useRotateSigningKey() {
  return useApiMutation(RotateSigningKeyMutation, {
    invalidates: [queryKeys.signingKeys],
    success: 'New signing key announced',
  });
}

export function useRevokeSigningKey() {
  return useApiMutation(RevokeSigningKeyMutation, {
    invalidates: [queryKeys.signingKeys],
    success: 'Signing key revoked',
  });
}

export function useScimProvisioning() {
  return useQuery({
    queryKey: queryKeys.scimProvisioning,
    queryFn: async () => (await request(ScimProvisioningQuery)).scimProvisioning,
  });
}

export function useScimRefusals() {
  return useQuery({
    queryKey: queryKeys.scimRefusals,
    queryFn: async () => (await request(ScimRefusalsQuery)).scimRefusals,
  });
}

// Only owners may list sessions: the query waits for `enabled`.
export function useAdminSessions(enabled: boolean) {
  return useQuery({
    queryKey: queryKeys.adminSessions,
    queryFn: async () => (await request(AdminSessionsQuery)).adminSessions,
    enabled,
  });
}

export function useRevokeAdminSession() {
  return useApiMutation(RevokeAdminSessionMutation, {
    invalidates: [queryKeys.adminSessions],
    success: 'Session ended',
  });
}
