import { graphql, type ResultOf } from '../../../lib/graphql';

export const SamlSettingsQuery = graphql(`
  query SamlSettings {
    samlSettings {
      bootstrapDisabledAt
      serviceProvider {
        entityId
        acsUrl
        loginUrl
        metadataUrl
      }
      connection {
        idpEntityId
        ssoUrl
        groupsAttribute
        lastSignInAt
        updatedAt
        certificates {
          subject
          fingerprintSha256
          notAfter
        }
      }
    }
  }
`);
export const AdminRoleMappingsQuery = graphql(`
  query AdminRoleMappings {
    adminRoleMappings {
      id
      idpGroup
      role
      createdAt
    }
  }
`);
export const ConfigureSamlMutation = graphql(`
  mutation ConfigureSaml($input: SamlConnectionInput!) {
    configureSaml(input: $input) {
      connection {
        idpEntityId
      }
    }
  }
`);
export const FetchSamlIdpMetadataMutation = graphql(`
  mutation FetchSamlIdpMetadata($url: String!) {
    fetchSamlIdpMetadata(url: $url) {
      idpEntityId
      ssoUrl
      certificates
    }
  }
`);
export const SetAdminRoleMappingMutation = graphql(`
  mutation SetAdminRoleMapping($idpGroup: String!, $role: AdminRole!) {
    setAdminRoleMapping(idpGroup: $idpGroup, role: $role) {
      id
      idpGroup
      role
    }
  }
`);
export const RemoveAdminRoleMappingMutation = graphql(`
  mutation RemoveAdminRoleMapping($idpGroup: String!) {
    removeAdminRoleMapping(idpGroup: $idpGroup)
  }
`);
export const MachineCredentialsQuery = graphql(`
  query MachineCredentials {
    machineCredentials {
      id
      type
      name
      hint
      scopes
      createdAt
      lastUsedAt
      revokedAt
    }
  }
`);
export const CreateMachineCredentialMutation = graphql(`
  mutation CreateMachineCredential($input: CreateMachineCredentialInput!) {
    createMachineCredential(input: $input) {
      secret
      credential {
        id
      }
    }
  }
`);
export const RevokeMachineCredentialMutation = graphql(`
  mutation RevokeMachineCredential($id: ID!) {
    revokeMachineCredential(id: $id) {
      id
    }
  }
`);
export const TelemetryCollectorQuery = graphql(`
  query TelemetryCollector {
    telemetryCollector {
      enabled
      endpoint
      headerNames
      redactPrompts
      redactCommands
      redactPaths
      updatedAt
    }
  }
`);
export const SetTelemetryCollectorMutation = graphql(`
  mutation SetTelemetryCollector($input: TelemetryCollectorInput!) {
    setTelemetryCollector(input: $input) {
      endpoint
    }
  }
`);
export const RemoveTelemetryCollectorMutation = graphql(`
  mutation RemoveTelemetryCollector {
    removeTelemetryCollector
  }
`);
export const SigningKeysQuery = graphql(`
  query SigningKeys {
    signingKeys {
      keyId
      status
      publicKey
      createdAt
      notAfter
      revokedAt
    }
  }
`);
export const RotateSigningKeyMutation = graphql(`
  mutation RotateSigningKey($graceHours: Int) {
    rotateSigningKey(graceHours: $graceHours) {
      keyId
    }
  }
`);
export const RevokeSigningKeyMutation = graphql(`
  mutation RevokeSigningKey($keyId: String!) {
    revokeSigningKey(keyId: $keyId) {
      keyId
    }
  }
`);

export const ScimProvisioningQuery = graphql(`
  query ScimProvisioning {
    scimProvisioning {
      baseUrl
    }
  }
`);

export const ScimRefusalsQuery = graphql(`
  query ScimRefusals {
    scimRefusals(limit: 20) {
      id
      occurredAt
      method
      path
      status
      scimType
      detail
    }
  }
`);

export const AdminSessionsQuery = graphql(`
  query AdminSessions {
    adminSessions {
      id
      adminId
      createdAt
      lastSeenAt
      current
    }
  }
`);

export const RevokeAdminSessionMutation = graphql(`
  mutation RevokeAdminSession($id: ID!) {
    revokeAdminSession(id: $id)
  }
`);

export type SamlSettings = ResultOf<typeof SamlSettingsQuery>['samlSettings'];
export type MachineCredential = ResultOf<
  typeof MachineCredentialsQuery
>['machineCredentials'][number];
export type SigningKey = ResultOf<typeof SigningKeysQuery>['signingKeys'][number];
export type TelemetryCollector = NonNullable<
  ResultOf<typeof TelemetryCollectorQuery>['telemetryCollector']
>;
export type AdminRoleMapping = ResultOf<typeof AdminRoleMappingsQuery>['adminRoleMappings'][number];
