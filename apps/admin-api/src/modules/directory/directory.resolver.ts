import { Args, Field, ID, Int, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { GraphQLError } from 'graphql';
import type { AdminPrincipal } from '../auth/admin-principal';
import { CurrentAdmin, READ_ROLES, RequireAdmin } from '../auth/admin-auth.guard';
import { DirectoryService } from './directory.service';

const MAX_PAGE = 200;

@ObjectType()
class DirectoryGroupRef {
  @Field(() => ID) id!: string;
  @Field() displayName!: string;
}

@ObjectType({ description: 'A person from the identity provider (SCIM) or added by the API.' })
class DirectoryPerson {
  @Field(() => ID) id!: string;
  @Field() userName!: string;
  @Field(() => String, { nullable: true }) displayName!: string | null;
  @Field({ description: 'Deactivated people lose access at their next policy pull.' })
  active!: boolean;
  @Field({ description: 'scim when the identity provider manages the person, else api.' })
  source!: string;
  @Field(() => [String]) emails!: string[];
  @Field(() => [DirectoryGroupRef]) groups!: DirectoryGroupRef[];
}

@ObjectType()
class DirectoryPersonPage {
  @Field(() => Int) total!: number;
  @Field(() => [DirectoryPerson]) items!: DirectoryPerson[];
}

@ObjectType()
class DirectoryTeam {
  @Field(() => ID) id!: string;
  @Field() displayName!: string;
  @Field({ description: 'scim when the identity provider manages the group, else api.' })
  source!: string;
  @Field(() => Int) memberCount!: number;
}

@ObjectType()
class DirectoryTeamPage {
  @Field(() => Int) total!: number;
  @Field(() => [DirectoryTeam]) items!: DirectoryTeam[];
}

// SCIM marks what the identity provider manages with its own externalId.
function sourceOf(externalId: string | null): string {
  return externalId ? 'scim' : 'api';
}

function pageArgs(offset: number, limit: number): { skip: number; take: number } {
  if (offset < 0 || limit < 0 || limit > MAX_PAGE) {
    throw new GraphQLError(`offset must be ≥ 0 and limit between 0 and ${MAX_PAGE}`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return { skip: offset, take: limit };
}

// The console's read-only view of the directory; SCIM writes it. Billing admins see no directory.
@Resolver()
export class DirectoryResolver {
  constructor(private readonly directory: DirectoryService) {}

  @Query(() => DirectoryPersonPage, { description: 'People, oldest first; search by name/email.' })
  @RequireAdmin(...READ_ROLES)
  async directoryUsers(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('search', { type: () => String, nullable: true }) search: string | null,
    @Args('offset', { type: () => Int, defaultValue: 0 }) offset: number,
    @Args('limit', { type: () => Int, defaultValue: 50 }) limit: number,
  ): Promise<DirectoryPersonPage> {
    const term = search?.trim();
    const contains = { contains: term, mode: 'insensitive' as const };
    const page = await this.directory.listUsers(admin.organizationId, {
      ...pageArgs(offset, limit),
      where: term
        ? {
            OR: [
              { userName: contains },
              { displayName: contains },
              { emails: { some: { value: contains } } },
            ],
          }
        : {},
    });
    const groups = await this.directory.groupsOfUsers(
      admin.organizationId,
      page.items.map((user) => user.id),
    );
    return {
      total: page.total,
      items: page.items.map((user) => ({
        id: user.id,
        userName: user.userName,
        displayName: user.displayName,
        active: user.active,
        source: sourceOf(user.externalId),
        emails: user.emails.map((email) => email.value),
        groups: groups.get(user.id) ?? [],
      })),
    };
  }

  @Query(() => DirectoryTeamPage, { description: 'Groups, oldest first; search by name.' })
  @RequireAdmin(...READ_ROLES)
  async directoryGroups(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('search', { type: () => String, nullable: true }) search: string | null,
    @Args('offset', { type: () => Int, defaultValue: 0 }) offset: number,
    @Args('limit', { type: () => Int, defaultValue: 50 }) limit: number,
  ): Promise<DirectoryTeamPage> {
    const term = search?.trim();
    const page = await this.directory.listGroups(admin.organizationId, {
      ...pageArgs(offset, limit),
      where: term ? { displayName: { contains: term, mode: 'insensitive' } } : {},
    });
    const counts = await this.directory.memberCounts(
      admin.organizationId,
      page.items.map((group) => group.id),
    );
    return {
      total: page.total,
      items: page.items.map((group) => ({
        id: group.id,
        displayName: group.displayName,
        source: sourceOf(group.externalId),
        memberCount: counts.get(group.id) ?? 0,
      })),
    };
  }
}
