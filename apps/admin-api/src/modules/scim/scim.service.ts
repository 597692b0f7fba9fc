import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '../../config/config';
import type { Config } from '../../config/config';
import { DirectoryService } from '../directory/directory.service';
import { DirectoryError } from '../directory/directory.types';
import type { DirectoryActor } from '../directory/directory.types';
import type { ListRequest } from './scim.dto';
import { fromDirectoryError, ScimError } from './scim.errors';
import { groupFilter, userFilter } from './scim.filter';
import { applyPatch } from './scim.patch';
import type { PatchOperation } from './scim.patch';
import {
  groupAttributes,
  groupResource,
  groupWrite,
  normalizeResource,
  project,
  userAttributes,
  userResource,
  userWrite,
  wantsMembers,
} from './scim.resource';
import type { Projection, ScimObject } from './scim.resource';
import { LIST_RESPONSE, RESOURCE_SCHEMAS } from './scim.schemas';

export interface ScimCaller {
  organizationId: string;
  credentialId: string;
}

export interface Versioned {
  resource: ScimObject;
  version: string;
}

export interface ListResponse {
  schemas: [typeof LIST_RESPONSE];
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  Resources: ScimObject[];
}

const USER = RESOURCE_SCHEMAS.User;
const GROUP = RESOURCE_SCHEMAS.Group;

// SCIM over the directory: request bodies become directory writes, records become SCIM resources,
// and directory errors become SCIM errors.
@Injectable()
export class ScimService {
  constructor(
    private readonly directory: DirectoryService,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  get baseUrl(): string {
    return `${this.config.PUBLIC_URL.replace(/\/$/, '')}/scim/v2`;
  }

  async listUsers(caller: ScimCaller, request: ListRequest): Promise<ListResponse> {
    const where = request.filter ? userFilter(request.filter) : {};
    const page = await this.directory.listUsers(caller.organizationId, {
      where,
      skip: request.startIndex - 1,
      take: request.count,
    });
    const groups = await this.directory.groupsOfUsers(
      caller.organizationId,
      page.items.map((user) => user.id),
    );
    const resources = page.items.map((user) =>
      project(USER, userResource(user, groups.get(user.id) ?? [], this.baseUrl), request),
    );
    return this.listResponse(page.total, request, resources);
  }

  async getUser(caller: ScimCaller, id: string, projection: Projection): Promise<Versioned> {
    const user = await this.directory.findUser(caller.organizationId, id);
    if (!user) throw new ScimError(404, `no user ${id}`);
    return this.versioned(await this.userResource(caller, user), (full) =>
      project(USER, full, projection),
    );
  }

  async createUser(caller: ScimCaller, body: unknown): Promise<Versioned> {
    const write = userWrite(normalizeResource(USER, body));
    const user = await this.guard(() =>
      this.directory.createUser(caller.organizationId, write, actorOf(caller)),
    );
    return this.versioned(userResource(user, [], this.baseUrl));
  }

  async replaceUser(
    caller: ScimCaller,
    id: string,
    body: unknown,
    ifVersion?: number,
  ): Promise<Versioned> {
    const write = userWrite(normalizeResource(USER, body));
    const user = await this.guard(() =>
      this.directory.updateUser(caller.organizationId, id, () => write, actorOf(caller), {
        ifVersion,
      }),
    );
    return this.versioned(await this.userResource(caller, user));
  }

  async patchUser(
    caller: ScimCaller,
    id: string,
    operations: PatchOperation[],
    ifVersion?: number,
  ): Promise<Versioned> {
    const user = await this.guard(() =>
      this.directory.updateUser(
        caller.organizationId,
        id,
        (current) => userWrite(applyPatch(USER, userAttributes(current), operations, id)),
        actorOf(caller),
        { ifVersion },
      ),
    );
    return this.versioned(await this.userResource(caller, user));
  }

  async deleteUser(caller: ScimCaller, id: string, ifVersion?: number): Promise<void> {
    await this.guard(() =>
      this.directory.deleteUser(caller.organizationId, id, actorOf(caller), { ifVersion }),
    );
  }

  async listGroups(caller: ScimCaller, request: ListRequest): Promise<ListResponse> {
    const page = await this.directory.listGroups(caller.organizationId, {
      where: request.filter ? groupFilter(request.filter) : {},
      skip: request.startIndex - 1,
      take: request.count,
      members: wantsMembers(GROUP, request),
    });
    const resources = page.items.map((group) =>
      project(GROUP, groupResource(group, this.baseUrl), request),
    );
    return this.listResponse(page.total, request, resources);
  }

  async getGroup(caller: ScimCaller, id: string, projection: Projection): Promise<Versioned> {
    const group = await this.directory.findGroup(caller.organizationId, id, {
      members: wantsMembers(GROUP, projection),
    });
    if (!group) throw new ScimError(404, `no group ${id}`);
    return this.versioned(groupResource(group, this.baseUrl), (full) =>
      project(GROUP, full, projection),
    );
  }

  async createGroup(caller: ScimCaller, body: unknown): Promise<Versioned> {
    const write = groupWrite(normalizeResource(GROUP, body));
    const group = await this.guard(() =>
      this.directory.createGroup(caller.organizationId, write, actorOf(caller)),
    );
    return this.versioned(groupResource(group, this.baseUrl));
  }

  async replaceGroup(
    caller: ScimCaller,
    id: string,
    body: unknown,
    ifVersion?: number,
  ): Promise<Versioned> {
    const write = groupWrite(normalizeResource(GROUP, body));
    const group = await this.guard(() =>
      this.directory.updateGroup(caller.organizationId, id, () => write, actorOf(caller), {
        ifVersion,
      }),
    );
    return this.versioned(groupResource(group, this.baseUrl));
  }

  // Okta and Entra ignore the body of a group PATCH response; members are returned only when the
  // caller asks for them, so adding thousands of members does not echo them all back.
  async patchGroup(
    caller: ScimCaller,
    id: string,
    operations: PatchOperation[],
    ifVersion?: number,
  ): Promise<Versioned> {
    const group = await this.guard(() =>
      this.directory.updateGroup(
        caller.organizationId,
        id,
        (current) =>
          groupWrite(applyPatch(GROUP, groupAttributes(current, this.baseUrl), operations, id)),
        actorOf(caller),
        { ifVersion },
      ),
    );
    return this.versioned(groupResource(group, this.baseUrl));
  }

  async deleteGroup(caller: ScimCaller, id: string, ifVersion?: number): Promise<void> {
    await this.guard(() =>
      this.directory.deleteGroup(caller.organizationId, id, actorOf(caller), { ifVersion }),
    );
  }

  private async userResource(caller: ScimCaller, user: Parameters<typeof userResource>[0]) {
    const groups = await this.directory.groupsOfUsers(caller.organizationId, [user.id]);
    return userResource(user, groups.get(user.id) ?? [], this.baseUrl);
  }

  private versioned(resource: ScimObject, shape = (full: ScimObject) => full): Versioned {
    return { resource: shape(resource), version: (resource.meta as { version: string }).version };
  }

  private listResponse(total: number, request: ListRequest, resources: ScimObject[]): ListResponse {
    return {
      schemas: [LIST_RESPONSE],
      totalResults: total,
      startIndex: request.startIndex,
      itemsPerPage: resources.length,
      Resources: resources,
    };
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof DirectoryError) throw fromDirectoryError(error);
      throw error;
    }
  }
}

function actorOf(caller: ScimCaller): DirectoryActor {
  return { type: 'scim', id: caller.credentialId };
}
