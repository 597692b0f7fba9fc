import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '../../config/config';
import type { Config } from '../../config/config';
import { DirectoryService } from '../directory/directory.service';
import type {
  DirectoryActor,
  DirectoryFilter,
  DirectoryGroupRecord,
  DirectorySubject,
  DirectoryUserRecord,
  GroupWrite,
  UserWrite,
} from '../directory/directory.types';
import type { ListRequest } from './scim.dto';
import { ScimError, ScimErrorCode } from './scim.errors';
import { scimFilter, scimFilterAcross } from './scim.filter';
import { applyPatch, preparePatch } from './scim.patch';
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

// SCIM over the directory: request bodies become directory writes and records SCIM resources.
// Directory errors reach the client through toScimError (scim.errors.ts).
@Injectable()
export class ScimService {
  constructor(
    private readonly directory: DirectoryService,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  get baseUrl(): string {
    return `${this.config.PUBLIC_URL.replace(/\/$/, '')}/scim/v2`;
  }

  // Every write ends within the deadline (rolled back past it): an IdP never waits longer.
  private write(ifVersion?: number) {
    return { ifVersion, deadlineMs: this.config.SCIM_WRITE_DEADLINE_SECONDS * 1000 };
  }

  listUsers(caller: ScimCaller, request: ListRequest): Promise<ListResponse> {
    return this.list(USER, request, (filter) => this.usersPage(caller, filter, request));
  }

  private async usersPage(
    caller: ScimCaller,
    filter: DirectoryFilter | undefined,
    request: ListRequest,
    lenient = false,
  ) {
    const page = await this.directory.listUsers(caller.organizationId, {
      filter,
      ...window(request),
    });
    const groups = await this.directory.groupsOfUsers(
      caller.organizationId,
      page.items.map((user) => user.id),
    );
    const resources = page.items.map((user) =>
      project(USER, userResource(user, groups.get(user.id) ?? [], this.baseUrl), request, lenient),
    );
    return { total: page.total, resources };
  }

  async getUser(caller: ScimCaller, id: string, projection: Projection): Promise<Versioned> {
    const user = await this.directory.findUser(caller.organizationId, id);
    if (!user) throw new ScimError(ScimErrorCode.NotFound, `no user ${id}`);
    return this.versioned(await this.userResource(caller, user), (full) =>
      project(USER, full, projection),
    );
  }

  async createUser(caller: ScimCaller, body: unknown): Promise<Versioned> {
    const write = userWrite(normalizeResource(USER, body));
    const user = await this.directory.createUser(caller.organizationId, write, actorOf(caller));
    return this.versioned(userResource(user, [], this.baseUrl));
  }

  async replaceUser(
    caller: ScimCaller,
    id: string,
    body: unknown,
    ifVersion?: number,
  ): Promise<Versioned> {
    const resource = normalizeResource(USER, body);
    // A PUT that leaves `active` out keeps it: IdPs replace profiles without the lifecycle flag.
    return this.updateUser(caller, id, (current) => userWrite(resource, current.active), ifVersion);
  }

  async patchUser(
    caller: ScimCaller,
    id: string,
    operations: PatchOperation[],
    ifVersion?: number,
  ): Promise<Versioned> {
    const steps = preparePatch(USER, operations);
    // A removed or nulled `active` is unassigned (null) and grants nothing.
    return this.updateUser(
      caller,
      id,
      (current) => userWrite(applyPatch(USER, userAttributes(current), steps, id)),
      ifVersion,
    );
  }

  private async updateUser(
    caller: ScimCaller,
    id: string,
    change: (current: DirectoryUserRecord) => UserWrite,
    ifVersion?: number,
  ): Promise<Versioned> {
    const user = await this.directory.updateUser(
      caller.organizationId,
      id,
      change,
      actorOf(caller),
      this.write(ifVersion),
    );
    return this.versioned(await this.userResource(caller, user));
  }

  // A user or group, with what names it (memberships, role bindings, spend limits).
  async delete(caller: ScimCaller, subject: DirectorySubject, ifVersion?: number): Promise<void> {
    await this.directory.delete(
      caller.organizationId,
      subject,
      actorOf(caller),
      this.write(ifVersion),
    );
  }

  listGroups(caller: ScimCaller, request: ListRequest): Promise<ListResponse> {
    return this.list(GROUP, request, (filter) => this.groupsPage(caller, filter, request));
  }

  private async groupsPage(
    caller: ScimCaller,
    filter: DirectoryFilter | undefined,
    request: ListRequest,
    lenient = false,
  ) {
    const page = await this.directory.listGroups(caller.organizationId, {
      filter,
      ...window(request),
      members: wantsMembers(GROUP, request),
    });
    const resources = page.items.map((group) =>
      project(GROUP, groupResource(group, this.baseUrl), request, lenient),
    );
    return { total: page.total, resources };
  }

  // A query of the server root (RFC 7644 section 3.4.2.1, `GET /` and `POST /.search`): users, then
  // groups, paged as one list.
  async searchAll(caller: ScimCaller, request: ListRequest): Promise<ListResponse> {
    const [userFilter, groupFilter] =
      request.filter === undefined ? [] : scimFilterAcross([USER, GROUP], request.filter);
    const users = await this.usersPage(caller, userFilter, request, true);
    const skipped = Math.max(0, request.startIndex - 1 - users.total);
    const groups = await this.groupsPage(
      caller,
      groupFilter,
      { ...request, startIndex: skipped + 1, count: request.count - users.resources.length },
      true,
    );
    return this.listResponse(users.total + groups.total, request, [
      ...users.resources,
      ...groups.resources,
    ]);
  }

  async getGroup(caller: ScimCaller, id: string, projection: Projection): Promise<Versioned> {
    const group = await this.directory.findGroup(caller.organizationId, id, {
      members: wantsMembers(GROUP, projection),
    });
    if (!group) throw new ScimError(ScimErrorCode.NotFound, `no group ${id}`);
    return this.versioned(groupResource(group, this.baseUrl), (full) =>
      project(GROUP, full, projection),
    );
  }

  async createGroup(caller: ScimCaller, body: unknown): Promise<Versioned> {
    const write = groupWrite(normalizeResource(GROUP, body));
    const group = await this.directory.createGroup(caller.organizationId, write, actorOf(caller));
    return this.versioned(groupResource(group, this.baseUrl));
  }

  async replaceGroup(
    caller: ScimCaller,
    id: string,
    body: unknown,
    ifVersion?: number,
  ): Promise<Versioned> {
    const write = groupWrite(normalizeResource(GROUP, body));
    return this.updateGroup(caller, id, () => write, ifVersion);
  }

  // Okta and Entra ignore the body of a group PATCH response; members are returned only when the
  // caller asks for them, so adding thousands of members does not echo them all back.
  async patchGroup(
    caller: ScimCaller,
    id: string,
    operations: PatchOperation[],
    ifVersion?: number,
  ): Promise<Versioned> {
    const steps = preparePatch(GROUP, operations);
    return this.updateGroup(
      caller,
      id,
      (current) => groupWrite(applyPatch(GROUP, groupAttributes(current, this.baseUrl), steps, id)),
      ifVersion,
    );
  }

  private async updateGroup(
    caller: ScimCaller,
    id: string,
    change: (current: DirectoryGroupRecord & { memberIds: string[] }) => GroupWrite,
    ifVersion?: number,
  ): Promise<Versioned> {
    const group = await this.directory.updateGroup(
      caller.organizationId,
      id,
      change,
      actorOf(caller),
      this.write(ifVersion),
    );
    return this.versioned(groupResource(group, this.baseUrl));
  }

  private async userResource(caller: ScimCaller, user: Parameters<typeof userResource>[0]) {
    const groups = await this.directory.groupsOfUsers(caller.organizationId, [user.id]);
    return userResource(user, groups.get(user.id) ?? [], this.baseUrl);
  }

  // A list of one resource type: its filter, then the page `read` finds for it.
  private async list(
    schema: typeof USER | typeof GROUP,
    request: ListRequest,
    read: (
      filter: DirectoryFilter | undefined,
    ) => Promise<{ total: number; resources: ScimObject[] }>,
  ): Promise<ListResponse> {
    const filter = request.filter === undefined ? undefined : scimFilter(schema, request.filter);
    const page = await read(filter);
    return this.listResponse(page.total, request, page.resources);
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
}

// The directory's page of a SCIM list request (startIndex counts from 1).
function window(request: ListRequest): { skip: number; take: number } {
  return { skip: request.startIndex - 1, take: request.count };
}

function actorOf(caller: ScimCaller): DirectoryActor {
  return { type: 'scim', id: caller.credentialId };
}
