import { Field, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { readFileSync } from 'node:fs';
import { repoPath } from '../repo-path';

@ObjectType({ description: 'What any client may know about this Steward server.' })
export class ServerInfo {
  @Field()
  version!: string;
}

const version = (JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { version: string })
  .version;

@Resolver(() => ServerInfo)
export class ServerInfoResolver {
  @Query(() => ServerInfo)
  serverInfo(): ServerInfo {
    return { version };
  }
}
