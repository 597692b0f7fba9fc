import { UseFilters } from '@nestjs/common';
import {
  Args,
  Field,
  ID,
  InputType,
  Mutation,
  ObjectType,
  Query,
  registerEnumType,
  Resolver,
} from '@nestjs/graphql';
import { Credential } from '../../generated/prisma/client';
import { CredentialType } from '../credentials/credential-types';
import {
  CredentialError,
  CredentialErrorCode,
  CredentialErrorFilter,
} from '../credentials/credentials.errors';
import { CredentialsService } from '../credentials/credentials.service';
import type { AdminPrincipal } from './admin-principal';
import { CurrentAdmin, READ_ROLES, RequireAdmin, WRITE_ROLES } from './admin-auth.guard';

registerEnumType(CredentialType, {
  name: 'CredentialType',
  description:
    'scim: SCIM bearer token; analytics: Analytics API key; enrolment: endpoint enrolment token; endpoint: an enrolled endpoint’s own credential.',
});

// Endpoint credentials are issued by enrolment, one per endpoint, never by hand.
const CONSOLE_ISSUED: ReadonlySet<CredentialType> = new Set(['scim', 'analytics', 'enrolment']);

@ObjectType({ description: 'A machine credential; its secret is never shown again.' })
class MachineCredential {
  @Field(() => ID) id!: string;
  @Field(() => CredentialType) type!: CredentialType;
  @Field() name!: string;
  @Field({ description: 'The first characters of the secret.' }) hint!: string;
  @Field(() => [String], { description: 'Analytics keys: analytics:read, audit:read, export.' })
  scopes!: string[];
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true }) lastUsedAt!: Date | null;
  @Field(() => Date, { nullable: true }) revokedAt!: Date | null;
}

@ObjectType()
class CreatedMachineCredential {
  @Field(() => MachineCredential) credential!: MachineCredential;
  @Field({ description: 'Shown this once; store it now.' }) secret!: string;
}

@InputType()
class CreateMachineCredentialInput {
  @Field(() => CredentialType, { description: 'scim, analytics or enrolment.' })
  type!: CredentialType;
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => [String], {
    nullable: true,
    description: 'Analytics keys only; default all of analytics:read, audit:read, export.',
  })
  scopes?: string[] | null;
}

// SCIM tokens, Analytics API keys and enrolment tokens from the console; the CLI's
// `steward token` commands reach the same CredentialsService.
@Resolver()
@UseFilters(CredentialErrorFilter)
export class MachineCredentialsResolver {
  constructor(private readonly credentials: CredentialsService) {}

  @Query(() => [MachineCredential], { description: 'Newest first, revoked ones included.' })
  @RequireAdmin(...READ_ROLES)
  machineCredentials(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('type', { type: () => CredentialType, nullable: true }) type?: CredentialType | null,
  ): Promise<Credential[]> {
    return this.credentials.list(admin.organizationId, type ?? undefined);
  }

  @Mutation(() => CreatedMachineCredential)
  @RequireAdmin(...WRITE_ROLES)
  async createMachineCredential(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('input') input: CreateMachineCredentialInput,
  ): Promise<CreatedMachineCredential> {
    if (!CONSOLE_ISSUED.has(input.type)) {
      throw new CredentialError(
        CredentialErrorCode.Invalid,
        'endpoint credentials are issued by enrolment, not by hand',
      );
    }
    if (input.scopes && input.type !== 'analytics') {
      throw new CredentialError(
        CredentialErrorCode.InvalidScope,
        'only Analytics API keys have scopes',
      );
    }
    const name = input.name?.trim();
    if (name !== undefined && (!name || name.length > 200)) {
      throw new CredentialError(
        CredentialErrorCode.Invalid,
        'a credential name is 1 to 200 characters',
      );
    }
    const issued = await this.credentials.issue(admin.organizationId, input.type, {
      name,
      scopes: input.scopes ?? undefined,
      actor: { type: 'admin', id: admin.adminId },
    });
    const [credential] = (await this.credentials.list(admin.organizationId, input.type)).filter(
      (candidate) => candidate.id === issued.id,
    );
    return { credential, secret: issued.secret };
  }

  @Mutation(() => MachineCredential)
  @RequireAdmin(...WRITE_ROLES)
  revokeMachineCredential(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<Credential> {
    return this.credentials.revoke(id, { type: 'admin', id: admin.adminId }, admin.organizationId);
  }
}
