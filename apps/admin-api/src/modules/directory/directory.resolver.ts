import { UseFilters } from '@nestjs/common';
import { Args, ID, Int, Query, Resolver } from '@nestjs/graphql';
import type { AdminPrincipal } from '../auth/admin-principal';
import { CurrentAdmin, READ_ROLES, RequireAdmin, SPEND_READ_ROLES } from '../auth/admin-auth.guard';
import {
  DirectoryName,
  DirectoryPerson,
  DirectoryPersonPage,
  DirectoryTeam,
  DirectoryTeamPage,
  personView,
  sourceOf,
} from './directory.graphql';
import { DirectoryErrorFilter } from './directory.errors';
import { DirectoryService } from './directory.service';
import { DirectoryError, DirectoryErrorCode } from './directory.types';
import type { DirectoryFilter, DirectoryUserRecord } from './directory.types';
import { isUuid } from '../../platform/database/uuid';

const MAX_PAGE = 200;

function badInput(message: string): DirectoryError {
  return new DirectoryError(DirectoryErrorCode.InvalidValue, message);
}

function checkIds(ids: string[]): void {
  if (ids.length > MAX_PAGE) throw badInput(`at most ${MAX_PAGE} ids`);
  const bad = ids.find((id) => !isUuid(id));
  if (bad !== undefined) throw badInput(`${JSON.stringify(bad)} is not a Steward id`);
}

const idIn = (ids: string[]): DirectoryFilter => ({
  op: 'or',
  filters: ids.map((value) => ({ op: 'eq' as const, field: 'id', value })),
});

function personSearch(
  term: string | undefined,
  groupId: string | null,
): DirectoryFilter | undefined {
  const filters: DirectoryFilter[] = [];
  if (term) {
    filters.push({
      op: 'or',
      filters: ['userName', 'displayName', 'emails.value'].map((field) => ({
        op: 'co' as const,
        field,
        value: term,
      })),
    });
  }
  if (groupId) {
    filters.push({
      op: 'some',
      field: 'groups',
      filter: { op: 'eq', field: 'value', value: groupId },
    });
  }
  return filters.length > 1 ? { op: 'and', filters } : filters[0];
}

function pageArgs(offset: number, limit: number): { skip: number; take: number } {
  if (offset < 0 || limit < 0 || limit > MAX_PAGE) {
    throw badInput(`offset must be ≥ 0 and limit between 0 and ${MAX_PAGE}`);
  }
  return { skip: offset, take: limit };
}

// The console's view of the directory (its writes: DirectoryWritesResolver). Billing admins see no
// directory.
@Resolver()
@UseFilters(DirectoryErrorFilter)
export class DirectoryResolver {
  constructor(private readonly directory: DirectoryService) {}

  @Query(() => DirectoryPersonPage, {
    description: 'People, oldest first; search by name/email; only a group’s members with groupId.',
  })
  @RequireAdmin(...READ_ROLES)
  async directoryUsers(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('search', { type: () => String, nullable: true }) search: string | null,
    @Args('offset', { type: () => Int, defaultValue: 0 }) offset: number,
    @Args('limit', { type: () => Int, defaultValue: 50 }) limit: number,
    @Args('groupId', { type: () => ID, nullable: true }) groupId: string | null,
  ): Promise<DirectoryPersonPage> {
    if (groupId) checkIds([groupId]);
    const page = await this.directory.listUsers(admin.organizationId, {
      ...pageArgs(offset, limit),
      filter: personSearch(search?.trim(), groupId),
    });
    return { total: page.total, items: await this.people(admin.organizationId, page.items) };
  }

  @Query(() => DirectoryPerson, { description: 'One person, by id.' })
  @RequireAdmin(...READ_ROLES)
  async directoryUser(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<DirectoryPerson> {
    checkIds([id]);
    const user = await this.directory.findUser(admin.organizationId, id);
    if (!user) throw new DirectoryError(DirectoryErrorCode.NotFound, `no person ${id}`);
    return (await this.people(admin.organizationId, [user]))[0]!;
  }

  @Query(() => DirectoryTeam, { description: 'One group, by id.' })
  @RequireAdmin(...READ_ROLES)
  async directoryGroup(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<DirectoryTeam> {
    checkIds([id]);
    const group = await this.directory.findGroup(admin.organizationId, id, { members: false });
    if (!group) throw new DirectoryError(DirectoryErrorCode.NotFound, `no group ${id}`);
    const counts = await this.directory.memberCounts(admin.organizationId, [id]);
    return {
      id,
      displayName: group.displayName,
      source: sourceOf(group.externalId),
      memberCount: counts.get(id) ?? 0,
    };
  }

  @Query(() => [DirectoryName], {
    description:
      'Names of people and groups by id (at most 200); unknown ids are left out. Billing admins may ask: spend is shown by name.',
  })
  @RequireAdmin(...SPEND_READ_ROLES)
  async directoryNames(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('ids', { type: () => [ID] }) ids: string[],
  ): Promise<DirectoryName[]> {
    checkIds(ids);
    const unique = [...new Set(ids.map((id) => id.toLowerCase()))];
    if (!unique.length) return [];
    const organizationId = admin.organizationId;
    const [users, groups] = await Promise.all([
      this.directory.listUsers(organizationId, { filter: idIn(unique), take: unique.length }),
      this.directory.listGroups(organizationId, { filter: idIn(unique), take: unique.length }),
    ]);
    const counts = await this.directory.memberCounts(
      organizationId,
      groups.items.map((group) => group.id),
    );
    return [
      ...users.items.map((user) => ({
        id: user.id,
        kind: 'user',
        name: user.displayName || user.userName,
        detail: user.userName,
      })),
      ...groups.items.map((group) => {
        const count = counts.get(group.id) ?? 0;
        return {
          id: group.id,
          kind: 'group',
          name: group.displayName,
          detail: `${count} ${count === 1 ? 'member' : 'members'}`,
        };
      }),
    ];
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
      filter: term ? { op: 'co', field: 'displayName', value: term } : undefined,
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

  private async people(
    organizationId: string,
    users: DirectoryUserRecord[],
  ): Promise<DirectoryPerson[]> {
    const groups = await this.directory.groupsOfUsers(
      organizationId,
      users.map((user) => user.id),
    );
    return users.map((user) => personView(user, groups.get(user.id) ?? []));
  }
}
