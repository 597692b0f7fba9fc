import { UseFilters } from '@nestjs/common';
import { Args, Field, ID, InputType, Mutation, Resolver } from '@nestjs/graphql';
import type { AdminPrincipal } from '../auth/admin-principal';
import { CurrentAdmin, RequireAdmin, WRITE_ROLES } from '../auth/admin-auth.guard';
import { DirectoryErrorFilter } from './directory.errors';
import { DirectoryPerson, DirectoryTeam, personView, sourceOf } from './directory.graphql';
import { DirectoryService } from './directory.service';
import { DirectoryError, DirectoryErrorCode, isStorableText } from './directory.types';
import type {
  ContactWrite,
  DirectoryActor,
  DirectoryGroupRecord,
  DirectoryUserRecord,
  UserWrite,
} from './directory.types';
import { isUuid } from '../../platform/database/uuid';

const MAX_TEXT = 256;
const MAX_MEMBERS_PER_CHANGE = 1000;
// An address with one @ and something on each side: the console's check, not RFC 5322's.
const EMAIL = /^[^\s@]+@[^\s@]+$/;

@InputType({ description: 'A person added in the console (no identity provider manages them).' })
class NewPersonInput {
  @Field({ description: 'Unique in the organization, compared case-insensitively.' })
  userName!: string;
  @Field(() => String, { nullable: true }) displayName?: string | null;
  @Field(() => String, { nullable: true }) email?: string | null;
  @Field({ defaultValue: true }) active!: boolean;
}

@InputType({ description: 'What to change on a person; a field left out stays as it is.' })
class PersonChangeInput {
  @Field(() => String, { nullable: true }) displayName?: string | null;
  @Field(() => String, { nullable: true, description: 'Replaces the person’s addresses.' })
  email?: string | null;
  @Field(() => Boolean, { nullable: true }) active?: boolean | null;
}

@InputType()
class NewGroupInput {
  @Field() displayName!: string;
  @Field(() => [ID], { defaultValue: [] }) memberIds!: string[];
}

@InputType({ description: 'What to change on a group; a field left out stays as it is.' })
class GroupChangeInput {
  @Field(() => String, { nullable: true }) displayName?: string | null;
  @Field(() => [ID], { nullable: true }) addMemberIds?: string[] | null;
  @Field(() => [ID], { nullable: true }) removeMemberIds?: string[] | null;
}

function invalid(message: string): DirectoryError {
  return new DirectoryError(DirectoryErrorCode.InvalidValue, message);
}

function text(value: string, what: string): string {
  const trimmed = value.trim();
  if (!trimmed || trimmed.length > MAX_TEXT || !isStorableText(trimmed)) {
    throw invalid(`${what} must be 1 to ${MAX_TEXT} characters of text`);
  }
  return trimmed;
}

function optionalText(value: string | null | undefined, what: string): string | null {
  return value === null || value === undefined || !value.trim() ? null : text(value, what);
}

function emails(value: string | null | undefined): ContactWrite[] {
  const email = optionalText(value, 'email');
  if (email === null) return [];
  if (!EMAIL.test(email)) throw invalid(`${JSON.stringify(email)} is not an email address`);
  return [{ value: email, type: 'work', primary: true, display: null }];
}

function ids(values: string[] | null | undefined, what: string): string[] {
  const list = values ?? [];
  if (list.length > MAX_MEMBERS_PER_CHANGE) {
    throw invalid(`at most ${MAX_MEMBERS_PER_CHANGE} ${what} at once`);
  }
  const bad = list.find((id) => !isUuid(id));
  if (bad !== undefined) throw invalid(`${JSON.stringify(bad)} is not a Steward id`);
  return list.map((id) => id.toLowerCase());
}

// What the identity provider manages (SCIM sets its externalId) it also changes: a console edit
// would be overwritten by its next push, so the console may not make one.
function assertConsoleManaged(record: { externalId: string | null }, what: string): void {
  if (sourceOf(record.externalId) === 'scim') {
    throw new DirectoryError(
      DirectoryErrorCode.ManagedByIdentityProvider,
      `${what} is managed by your identity provider (SCIM): change it there`,
    );
  }
}

// The profile attributes a console-added person starts without (SCIM's, which the console does
// not edit).
const PROFILE_FIELDS = [
  'nickName',
  'profileUrl',
  'title',
  'userType',
  'preferredLanguage',
  'locale',
  'timezone',
  'formattedName',
  'familyName',
  'givenName',
  'middleName',
  'honorificPrefix',
  'honorificSuffix',
  'employeeNumber',
  'costCenter',
  'enterpriseOrg',
  'division',
  'department',
  'managerValue',
  'managerRef',
  'managerDisplay',
] as const satisfies readonly (keyof UserWrite & keyof DirectoryUserRecord)[];

type Profile = Pick<UserWrite, (typeof PROFILE_FIELDS)[number]>;

function profileOf(user: DirectoryUserRecord | null): Profile {
  return Object.fromEntries(
    PROFILE_FIELDS.map((field) => [field, user?.[field] ?? null]),
  ) as Profile;
}

const contactsOf = (list: ContactWrite[]): ContactWrite[] =>
  list.map(({ value, type, primary, display }) => ({ value, type, primary, display }));

// A stored person as the write that keeps every attribute as it is.
function unchanged(user: DirectoryUserRecord): UserWrite {
  return {
    ...profileOf(user),
    userName: user.userName,
    externalId: user.externalId,
    active: user.active,
    displayName: user.displayName,
    addresses: (user.addresses as Record<string, unknown>[] | null) ?? null,
    emails: contactsOf(user.emails),
    phoneNumbers: contactsOf(user.phoneNumbers),
  };
}

// The console's writes to the directory, for organizations (or people and groups) no identity
// provider manages. Each goes through DirectoryService, so it commits with its audit and
// propagation records as a SCIM write does.
@Resolver()
@UseFilters(DirectoryErrorFilter)
export class DirectoryWritesResolver {
  constructor(private readonly directory: DirectoryService) {}

  @Mutation(() => DirectoryPerson, { description: 'Adds a person in the console.' })
  @RequireAdmin(...WRITE_ROLES)
  async createDirectoryPerson(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('input') input: NewPersonInput,
  ): Promise<DirectoryPerson> {
    const write: UserWrite = {
      ...profileOf(null),
      userName: text(input.userName, 'userName'),
      externalId: null,
      active: input.active,
      displayName: optionalText(input.displayName, 'displayName'),
      addresses: null,
      emails: emails(input.email),
      phoneNumbers: [],
    };
    const user = await this.directory.createUser(admin.organizationId, write, actorOf(admin));
    return personView(user, []);
  }

  @Mutation(() => DirectoryPerson, {
    description: 'Changes a person added in the console; deactivating one revokes their access.',
  })
  @RequireAdmin(...WRITE_ROLES)
  async updateDirectoryPerson(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('id', { type: () => ID }) id: string,
    @Args('input') input: PersonChangeInput,
  ): Promise<DirectoryPerson> {
    const userId = ids([id], 'ids')[0]!;
    const displayName =
      input.displayName === undefined ? undefined : optionalText(input.displayName, 'displayName');
    const newEmails = input.email === undefined ? undefined : emails(input.email);
    const user = await this.directory.updateUser(
      admin.organizationId,
      userId,
      (current) => {
        assertConsoleManaged(current, current.userName);
        const write = unchanged(current);
        return {
          ...write,
          displayName: displayName === undefined ? write.displayName : displayName,
          emails: newEmails ?? write.emails,
          active: typeof input.active === 'boolean' ? input.active : write.active,
        };
      },
      actorOf(admin),
    );
    const groups = await this.directory.groupsOfUsers(admin.organizationId, [user.id]);
    const stored = await this.directory.findUser(admin.organizationId, user.id);
    return personView(stored ?? user, groups.get(user.id) ?? []);
  }

  @Mutation(() => Boolean, { description: 'Deletes a person added in the console.' })
  @RequireAdmin(...WRITE_ROLES)
  async deleteDirectoryPerson(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<boolean> {
    const userId = ids([id], 'ids')[0]!;
    const user = await this.directory.findUser(admin.organizationId, userId);
    if (!user) throw new DirectoryError(DirectoryErrorCode.NotFound, `no person ${id}`);
    assertConsoleManaged(user, user.userName);
    await this.directory.delete(admin.organizationId, { type: 'user', id: userId }, actorOf(admin));
    return true;
  }

  @Mutation(() => DirectoryTeam, { description: 'Adds a group in the console.' })
  @RequireAdmin(...WRITE_ROLES)
  async createDirectoryGroup(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('input') input: NewGroupInput,
  ): Promise<DirectoryTeam> {
    const group = await this.directory.createGroup(
      admin.organizationId,
      {
        displayName: text(input.displayName, 'displayName'),
        externalId: null,
        memberIds: ids(input.memberIds, 'members'),
      },
      actorOf(admin),
    );
    return this.team(admin.organizationId, group);
  }

  @Mutation(() => DirectoryTeam, {
    description: 'Renames a group added in the console, or adds and removes its members.',
  })
  @RequireAdmin(...WRITE_ROLES)
  async updateDirectoryGroup(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('id', { type: () => ID }) id: string,
    @Args('input') input: GroupChangeInput,
  ): Promise<DirectoryTeam> {
    const groupId = ids([id], 'ids')[0]!;
    const displayName = input.displayName ? text(input.displayName, 'displayName') : undefined;
    const added = ids(input.addMemberIds, 'members');
    const removed = new Set(ids(input.removeMemberIds, 'members'));
    const group = await this.directory.updateGroup(
      admin.organizationId,
      groupId,
      (current) => {
        assertConsoleManaged(current, current.displayName);
        const kept = current.memberIds.filter((userId) => !removed.has(userId));
        return {
          displayName: displayName ?? current.displayName,
          externalId: current.externalId,
          memberIds: [...new Set([...kept, ...added.filter((userId) => !removed.has(userId))])],
        };
      },
      actorOf(admin),
    );
    return this.team(admin.organizationId, group);
  }

  @Mutation(() => Boolean, { description: 'Deletes a group added in the console.' })
  @RequireAdmin(...WRITE_ROLES)
  async deleteDirectoryGroup(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<boolean> {
    const groupId = ids([id], 'ids')[0]!;
    const group = await this.directory.findGroup(admin.organizationId, groupId, { members: false });
    if (!group) throw new DirectoryError(DirectoryErrorCode.NotFound, `no group ${id}`);
    assertConsoleManaged(group, group.displayName);
    await this.directory.delete(
      admin.organizationId,
      { type: 'group', id: groupId },
      actorOf(admin),
    );
    return true;
  }

  private async team(organizationId: string, group: DirectoryGroupRecord): Promise<DirectoryTeam> {
    const counts = await this.directory.memberCounts(organizationId, [group.id]);
    return {
      id: group.id,
      displayName: group.displayName,
      source: sourceOf(group.externalId),
      memberCount: counts.get(group.id) ?? 0,
    };
  }
}

function actorOf(admin: AdminPrincipal): DirectoryActor {
  return { type: 'admin', id: admin.adminId };
}
