import { Inject, Injectable } from '@nestjs/common';
import type { IdpMetadata } from '@steward/saml';
import { CONFIG } from '../../../config/config';
import type { Config } from '../../../config/config';
import { AdminRoleMapping, Organization, SamlConnection } from '../../../generated/prisma/client';
import { AuditService } from '../../audit/audit.service';
import { OrganizationsService } from '../../organizations/organizations.service';
import { AdminPrincipal, AdminRole } from '../admin-principal';
import { AuthError, AuthErrorCode } from '../auth.errors';
import { fetchIdpMetadata } from './idp-metadata-url';
import { CertificateSummary, summariseCertificate, validateSettings } from './saml-settings';
import { SamlRepository } from './saml.repository';
import { SamlService, ServiceProviderUrls } from './saml.service';

export interface SamlSettingsView {
  serviceProvider: ServiceProviderUrls;
  connection:
    (Omit<SamlConnection, 'signingCertificates'> & { certificates: CertificateSummary[] }) | null;
  bootstrapDisabledAt: Date | null;
}

const MAX_GROUP_NAME = 512;

// The owner-managed side of SAML: the IdP settings and the IdP group to admin role mapping. Every
// change is audited with who made it.
@Injectable()
export class SamlSettingsService {
  constructor(
    private readonly repository: SamlRepository,
    private readonly saml: SamlService,
    private readonly organizations: OrganizationsService,
    private readonly audit: AuditService,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  async view(organizationId: string): Promise<SamlSettingsView> {
    const organization = await this.organization(organizationId);
    const connection = await this.repository.findConnection(organizationId);
    return this.toView(organization, connection);
  }

  async configure(
    admin: AdminPrincipal,
    input: {
      idpEntityId: string;
      ssoUrl: string;
      signingCertificates: string[];
      groupsAttribute?: string | null;
    },
  ): Promise<SamlSettingsView> {
    const settings = validateSettings(input);
    const organization = await this.organization(admin.organizationId);
    const previous = await this.repository.findConnection(admin.organizationId);
    const connection = await this.repository.saveConnection(admin.organizationId, settings);
    await this.audit.record(admin.organizationId, {
      actorType: 'admin',
      actorId: admin.adminId,
      action: previous ? 'saml.connection_updated' : 'saml.connection_created',
      resourceType: 'saml_connection',
      resourceId: connection.id,
      data: {
        idpEntityId: settings.idpEntityId,
        ssoUrl: settings.ssoUrl,
        groupsAttribute: settings.groupsAttribute,
        certificates: settings.signingCertificates.map(
          (pem) => summariseCertificate(pem).fingerprintSha256,
        ),
      },
    });
    return this.toView(organization, connection);
  }

  // The IdP's metadata at an admin-given URL, for the form; reaches private addresses only where
  // the operator allows HTTP imports to (the switch connector imports use).
  metadataFromUrl(url: string): Promise<IdpMetadata> {
    return fetchIdpMetadata(url, {
      allowPrivateAddresses: this.config.STEWARD_ALLOW_PRIVATE_CONNECTOR_IMPORT,
    });
  }

  roleMappings(organizationId: string): Promise<AdminRoleMapping[]> {
    return this.repository.listRoleMappings(organizationId);
  }

  async setRoleMapping(
    admin: AdminPrincipal,
    idpGroup: string,
    role: AdminRole,
  ): Promise<AdminRoleMapping> {
    const group = idpGroup.trim();
    if (!group || group.length > MAX_GROUP_NAME) {
      throw new AuthError(
        AuthErrorCode.Invalid,
        `an IdP group name is 1 to ${MAX_GROUP_NAME} characters`,
      );
    }
    const previous = await this.repository.findRoleMapping(admin.organizationId, group);
    const mapping = await this.repository.saveRoleMapping(admin.organizationId, group, role);
    if (previous?.role !== role) {
      await this.audit.record(admin.organizationId, {
        actorType: 'admin',
        actorId: admin.adminId,
        action: 'admin_role_mapping.set',
        resourceType: 'admin_role_mapping',
        resourceId: mapping.id,
        data: { idpGroup: group, from: previous?.role ?? null, to: role },
      });
    }
    return mapping;
  }

  async removeRoleMapping(admin: AdminPrincipal, idpGroup: string): Promise<boolean> {
    const previous = await this.repository.findRoleMapping(admin.organizationId, idpGroup);
    if (!previous) return false;
    await this.repository.deleteRoleMapping(admin.organizationId, idpGroup);
    await this.audit.record(admin.organizationId, {
      actorType: 'admin',
      actorId: admin.adminId,
      action: 'admin_role_mapping.removed',
      resourceType: 'admin_role_mapping',
      resourceId: previous.id,
      data: { idpGroup, from: previous.role },
    });
    return true;
  }

  private async organization(organizationId: string): Promise<Organization> {
    const organization = await this.organizations.findById(organizationId);
    if (!organization) throw new Error(`organization ${organizationId} vanished`);
    return organization;
  }

  private toView(organization: Organization, connection: SamlConnection | null): SamlSettingsView {
    return {
      serviceProvider: this.saml.urls(organization),
      connection: connection && {
        ...connection,
        certificates: connection.signingCertificates.map(summariseCertificate),
      },
      bootstrapDisabledAt: organization.bootstrapDisabledAt,
    };
  }
}
