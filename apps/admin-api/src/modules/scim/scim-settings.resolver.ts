import { Args, Field, ID, Int, ObjectType, Query, Resolver } from '@nestjs/graphql';
import type { AdminPrincipal } from '../auth/admin-principal';
import { CurrentAdmin, READ_ROLES, RequireAdmin } from '../auth/admin-auth.guard';
import { ScimRefusals } from './scim-refusals.service';
import { ScimService } from './scim.service';

@ObjectType({ description: 'What to enter in the identity provider’s provisioning settings.' })
class ScimProvisioning {
  @Field({ description: 'SCIM 2.0 base URL (Okta: SCIM connector base URL; Entra: Tenant URL).' })
  baseUrl!: string;
}

@ObjectType({ description: 'A SCIM request of the identity provider that Steward refused.' })
class ScimRefusal {
  @Field(() => ID) id!: string;
  @Field() occurredAt!: Date;
  @Field() method!: string;
  @Field({ description: 'Path and query, as the identity provider sent them.' }) path!: string;
  @Field(() => Int) status!: number;
  @Field(() => String, { nullable: true }) scimType!: string | null;
  @Field() detail!: string;
}

// The console's Provisioning screen; the SCIM API itself answers the identity provider.
@Resolver()
export class ScimSettingsResolver {
  constructor(
    private readonly scim: ScimService,
    private readonly refusals: ScimRefusals,
  ) {}

  @Query(() => [ScimRefusal], {
    description:
      'The identity provider’s latest refused SCIM requests, newest first (at most 100).',
  })
  @RequireAdmin(...READ_ROLES)
  async scimRefusals(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('limit', { type: () => Int, defaultValue: 20 }) limit: number,
  ): Promise<ScimRefusal[]> {
    const records = await this.refusals.latest(admin.organizationId, limit);
    return records.map((record) => ({ ...record, id: String(record.id) }));
  }

  @Query(() => ScimProvisioning)
  @RequireAdmin(...READ_ROLES)
  scimProvisioning(): ScimProvisioning {
    return { baseUrl: this.scim.baseUrl };
  }
}
