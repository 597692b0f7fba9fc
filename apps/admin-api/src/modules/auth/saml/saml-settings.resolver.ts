import { UseFilters } from '@nestjs/common';
import { Args, Field, ID, InputType, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import type { IdpMetadata } from '@steward/saml';
import { AdminRole } from '../admin-role.graphql';
import type { AdminPrincipal } from '../admin-principal';
import { CurrentAdmin, OWNER_ROLES, READ_ROLES, RequireAdmin } from '../admin-auth.guard';
import { AuthErrorFilter } from '../auth.errors';
import { SamlSettingsService, SamlSettingsView } from './saml-settings.service';

@ObjectType({ description: 'What to enter in the identity provider for this organization.' })
class SamlServiceProvider {
  @Field({ description: 'SP entity id (audience).' }) entityId!: string;
  @Field({ description: 'Assertion Consumer Service URL (HTTP-POST binding).' }) acsUrl!: string;
  @Field({ description: 'SP-initiated sign-in URL.' }) loginUrl!: string;
  @Field({ description: 'SP metadata XML.' }) metadataUrl!: string;
}

@ObjectType()
class SamlCertificate {
  @Field() fingerprintSha256!: string;
  @Field() subject!: string;
  @Field() notAfter!: Date;
}

@ObjectType({ description: "The organization's identity provider." })
class SamlConnectionSettings {
  @Field() idpEntityId!: string;
  @Field() ssoUrl!: string;
  @Field(() => [SamlCertificate]) certificates!: SamlCertificate[];
  @Field({ description: 'Assertion attribute that carries the group names.' })
  groupsAttribute!: string;
  @Field() updatedAt!: Date;
  @Field(() => Date, { nullable: true }) lastSignInAt!: Date | null;
}

@ObjectType()
class SamlSettings {
  @Field(() => SamlServiceProvider) serviceProvider!: SamlServiceProvider;
  @Field(() => SamlConnectionSettings, { nullable: true })
  connection!: SamlConnectionSettings | null;
  @Field(() => Date, {
    nullable: true,
    description: 'When the first SAML sign-in closed the first-run bootstrap link.',
  })
  bootstrapDisabledAt!: Date | null;
}

@InputType()
class SamlConnectionInput {
  @Field() idpEntityId!: string;
  @Field() ssoUrl!: string;
  @Field(() => [String], { description: 'PEM or base64 X.509 certificates.' })
  signingCertificates!: string[];
  @Field(() => String, { nullable: true, description: 'Default: groups.' })
  groupsAttribute?: string | null;
}

@ObjectType('AdminRoleMapping', {
  description: 'Members of this IdP group sign in as admins with this role.',
})
class AdminRoleMappingObject {
  @Field(() => ID) id!: string;
  @Field() idpGroup!: string;
  @Field(() => AdminRole) role!: AdminRole;
  @Field() createdAt!: Date;
}

@ObjectType({ description: "An identity provider's settings, read from its SAML metadata." })
class SamlIdpMetadata {
  @Field() idpEntityId!: string;
  @Field({ description: 'Single sign-on URL (the HTTP-Redirect binding, else HTTP-POST).' })
  ssoUrl!: string;
  @Field(() => [String], {
    description: 'Signing certificates (base64 X.509, as in the metadata).',
  })
  certificates!: string[];
}

@Resolver()
@UseFilters(AuthErrorFilter)
export class SamlSettingsResolver {
  constructor(private readonly settings: SamlSettingsService) {}

  @Query(() => SamlSettings, { description: 'SAML single sign-on for admins.' })
  @RequireAdmin(...READ_ROLES)
  samlSettings(@CurrentAdmin() admin: AdminPrincipal): Promise<SamlSettingsView> {
    return this.settings.view(admin.organizationId);
  }

  @Mutation(() => SamlSettings, { description: 'Sets the identity provider (owner only).' })
  @RequireAdmin(...OWNER_ROLES)
  configureSaml(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('input') input: SamlConnectionInput,
  ): Promise<SamlSettingsView> {
    return this.settings.configure(admin, input);
  }

  @Mutation(() => SamlIdpMetadata, {
    description:
      'Fetches IdP metadata from a URL on the API server and reads it for the identity provider form (owner only); stores nothing. Only public addresses unless the operator allows private ones (STEWARD_ALLOW_PRIVATE_CONNECTOR_IMPORT); at most 1 MiB, within 10 s.',
  })
  @RequireAdmin(...OWNER_ROLES)
  fetchSamlIdpMetadata(@Args('url') url: string): Promise<IdpMetadata> {
    return this.settings.metadataFromUrl(url);
  }

  @Query(() => [AdminRoleMappingObject])
  @RequireAdmin(...READ_ROLES)
  adminRoleMappings(@CurrentAdmin() admin: AdminPrincipal) {
    return this.settings.roleMappings(admin.organizationId);
  }

  @Mutation(() => AdminRoleMappingObject, {
    description: 'Maps an IdP group to an admin role (owner only); the highest mapped role wins.',
  })
  @RequireAdmin(...OWNER_ROLES)
  setAdminRoleMapping(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('idpGroup') idpGroup: string,
    @Args('role', { type: () => AdminRole }) role: AdminRole,
  ) {
    return this.settings.setRoleMapping(admin, idpGroup, role);
  }

  @Mutation(() => Boolean, { description: 'False when the group had no mapping.' })
  @RequireAdmin(...OWNER_ROLES)
  removeAdminRoleMapping(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('idpGroup') idpGroup: string,
  ): Promise<boolean> {
    return this.settings.removeRoleMapping(admin, idpGroup);
  }
}
