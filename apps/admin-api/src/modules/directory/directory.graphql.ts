import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import type { DirectoryUserRecord } from './directory.types';

@ObjectType()
export class DirectoryGroupRef {
  @Field(() => ID) id!: string;
  @Field() displayName!: string;
}

@ObjectType({ description: 'A person from the identity provider (SCIM) or added by the API.' })
export class DirectoryPerson {
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
export class DirectoryPersonPage {
  @Field(() => Int) total!: number;
  @Field(() => [DirectoryPerson]) items!: DirectoryPerson[];
}

@ObjectType()
export class DirectoryTeam {
  @Field(() => ID) id!: string;
  @Field() displayName!: string;
  @Field({ description: 'scim when the identity provider manages the group, else api.' })
  source!: string;
  @Field(() => Int) memberCount!: number;
}

@ObjectType()
export class DirectoryTeamPage {
  @Field(() => Int) total!: number;
  @Field(() => [DirectoryTeam]) items!: DirectoryTeam[];
}

@ObjectType({ description: 'What the console shows for a person’s or a group’s id.' })
export class DirectoryName {
  @Field(() => ID) id!: string;
  @Field({ description: 'user or group' }) kind!: string;
  @Field({ description: 'The display name, else the user name.' }) name!: string;
  @Field({ description: 'A person’s user name; a group’s member count in words.' })
  detail!: string;
}

// SCIM marks what the identity provider manages with its own externalId.
export function sourceOf(externalId: string | null): string {
  return externalId ? 'scim' : 'api';
}

export function personView(
  user: DirectoryUserRecord,
  groups: { id: string; displayName: string }[],
): DirectoryPerson {
  return {
    id: user.id,
    userName: user.userName,
    displayName: user.displayName,
    active: user.active === true,
    source: sourceOf(user.externalId),
    emails: user.emails.map((email) => email.value),
    groups,
  };
}
